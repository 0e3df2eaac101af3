namespace MaskStream.Kernels.Preprocess;

/// <summary>
/// GeneralizedRCNNTransform for one frame (PARITY §1-2): BGR bytes → RGB / 255 → normalise → bilinear resize
/// (torch upsample_bilinear2d, align_corners=False, no antialias) → zero-padded CHW. CPU
/// (<see cref="CpuPreprocess"/>) and ILGPU (<see cref="IlgpuPreprocess"/>) give the same floats.
/// </summary>
public interface IPreprocessKernel
{
    /// <summary>
    /// Writes the frame into <paramref name="output"/> [3, paddedHeight, paddedWidth]: the resized image at the
    /// top left, 0 elsewhere (0 in normalised space, as torchvision's batch_images pads).
    /// </summary>
    /// <param name="bgr">Packed BGR24 rows (stride width·3), OpenCV's order.</param>
    /// <param name="height">Frame height.</param>
    /// <param name="width">Frame width.</param>
    /// <param name="resizedHeight">From <see cref="Resize.ResizeRule.ResizedSize"/>.</param>
    /// <param name="resizedWidth">From <see cref="Resize.ResizeRule.ResizedSize"/>.</param>
    /// <param name="paddedHeight">Batch height, a multiple of the size divisibility, ≥ resizedHeight.</param>
    /// <param name="paddedWidth">Batch width, ≥ resizedWidth.</param>
    /// <param name="output">3·paddedHeight·paddedWidth floats (one image's slice of the batch tensor).</param>
    void Run(ReadOnlySpan<byte> bgr, int height, int width, int resizedHeight, int resizedWidth, int paddedHeight,
        int paddedWidth, Span<float> output);
}
