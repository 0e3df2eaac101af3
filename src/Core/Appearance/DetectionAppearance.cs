using System.Collections.Immutable;
using System.Runtime.InteropServices;
using MaskStream.Core.Frames;
using MaskStream.Core.Objects;

namespace MaskStream.Core.Appearance;

/// <summary>Gives a frame's detections their <see cref="ColorHistogram"/>, for a detector stage that still holds the pixels.</summary>
public static class DetectionAppearance
{
    /// <summary>
    /// <paramref name="detected"/> with every detection's <see cref="Detection.Appearance"/> set: from its mask's pixels,
    /// split at the hips (<see cref="ColorHistogram.SplitRow"/>), or from its box's when it has no mask. A new record
    /// (records crossing channels are never written); the only allocations are the records and the histograms.
    /// </summary>
    /// <param name="pixels">The frame the detections were made on: packed BGR24 of <paramref name="detected"/>'s size.</param>
    public static DetectedFrame Add(DetectedFrame detected, PixelBuffer pixels)
    {
        ArgumentNullException.ThrowIfNull(detected);
        ArgumentNullException.ThrowIfNull(pixels);
        int width = detected.Info.Width, height = detected.Info.Height;
        if (pixels.Width != width || pixels.Height != height)
            throw new ArgumentException($"The pixels are {pixels.Width}x{pixels.Height}, the detections' frame {width}x{height}.", nameof(pixels));
        if (detected.Detections.IsDefaultOrEmpty) return detected;
        ReadOnlySpan<byte> bgr = pixels.Pixels;
        var result = new Detection[detected.Detections.Length];
        for (int i = 0; i < result.Length; i++)
        {
            var d = detected.Detections[i];
            float split = ColorHistogram.SplitRow(d.Box, d.Keypoints);
            var histogram = d.Mask is { } mask && mask.Width == width && mask.Height == height
                ? ColorHistogram.Compute(bgr, width, height, mask, split)
                : ColorHistogram.ComputeBox(bgr, width, height, d.Box, split);
            result[i] = d with { Appearance = histogram };
        }
        return detected with { Detections = ImmutableCollectionsMarshal.AsImmutableArray(result) };
    }
}
