using MaskStream.Core.Geometry;

namespace MaskStream.Detector.Heads;

/// <summary>A box-head detection before the mask and keypoint heads: xyxy in resized-input pixels.</summary>
public readonly record struct RawDetection(BoxF Box, float Score, int Label);
