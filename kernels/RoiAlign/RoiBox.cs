using System.Runtime.InteropServices;

namespace MaskStream.Kernels.RoiAlign;

/// <summary>
/// One region of interest: the batch image it belongs to and an xyxy box in input-image pixels
/// (the resized, padded network input — not feature-map pixels; the kernel applies the spatial scale).
/// Layout matches torchvision's [K, 5] rois tensor row (batch index, x1, y1, x2, y2).
/// </summary>
[StructLayout(LayoutKind.Sequential)]
public readonly record struct RoiBox(int BatchIndex, float X1, float Y1, float X2, float Y2);
