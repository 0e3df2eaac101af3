using MaskStream.Core.Geometry;
using MaskStream.Core.Masks;

namespace MaskStream.Kernels.MaskPaste;

/// <summary>
/// torchvision's paste_masks_in_image followed by the reference evaluator's threshold (probability &gt; 0.5),
/// computed only over each box's window, never a full-frame buffer per detection. CPU
/// (<see cref="CpuMaskPaste"/>) and ILGPU (<see cref="IlgpuMaskPaste"/>) give the same floats.
/// </summary>
public interface IMaskPasteKernel
{
    /// <summary>The probability a pasted pixel must exceed to be in the mask (the reference evaluator's, strict).</summary>
    const float Threshold = 0.5f;

    /// <summary>
    /// Pastes N masks and encodes each as a full-frame COCO RLE.
    /// </summary>
    /// <param name="masks">[N, M, M] probabilities (sigmoid already applied: the zero padding is probability 0).</param>
    /// <param name="maskSize">M (28 for Mask R-CNN).</param>
    /// <param name="boxes">N boxes, xyxy in original-image pixels (after postprocess rescaling).</param>
    /// <param name="imageHeight">Original image height.</param>
    /// <param name="imageWidth">Original image width.</param>
    /// <param name="results">N RLE masks of pasted probability &gt; 0.5.</param>
    void Paste(ReadOnlySpan<float> masks, int maskSize, ReadOnlySpan<BoxF> boxes, int imageHeight, int imageWidth,
        Span<RleMask> results);

    /// <summary>
    /// The pasted probabilities of one mask over its window (<see cref="PasteGeometry.Compute"/>), row-major
    /// [Height, Width] in <paramref name="window"/>; what torchvision's full-frame tensor holds there.
    /// </summary>
    void PasteProbabilities(ReadOnlySpan<float> mask, int maskSize, BoxF box, int imageHeight, int imageWidth,
        Span<float> window);
}
