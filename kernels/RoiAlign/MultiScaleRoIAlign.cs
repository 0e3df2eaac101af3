namespace MaskStream.Kernels.RoiAlign;

/// <summary>
/// torchvision.ops.MultiScaleRoIAlign: each RoI is pooled from the FPN level the <see cref="LevelMapper"/>
/// picks, and the output keeps the RoI order. Boxes are xyxy in resized-input pixels. Level scales are
/// inferred on every call from the feature heights and the image size (torchvision infers them on its first
/// call and caches them in the module; for a fixed model and input size the two agree).
/// One call at a time per instance (scratch buffers are reused).
/// </summary>
public sealed class MultiScaleRoIAlign
{
    private readonly IRoiAlignKernel _kernel;
    private readonly int _outputHeight, _outputWidth, _samplingRatio, _canonicalScale, _canonicalLevel;
    private readonly bool _aligned;
    private RoiBox[] _levelRois = [];
    private int[] _levelRows = [];
    private int[] _levelOf = [];

    /// <param name="kernel">CPU or ILGPU roi_align.</param>
    /// <param name="outputHeight">Bins along y (7 for the box head, 14 for mask/keypoint heads).</param>
    /// <param name="outputWidth">Bins along x.</param>
    /// <param name="samplingRatio">2 in torchvision's R-CNN heads; &lt;= 0 adaptive.</param>
    /// <param name="aligned">torchvision's MultiScaleRoIAlign never passes it, so Mask R-CNN uses the legacy false.</param>
    public MultiScaleRoIAlign(IRoiAlignKernel kernel, int outputHeight, int outputWidth, int samplingRatio,
        bool aligned = false, int canonicalScale = LevelMapper.CanonicalScale, int canonicalLevel = LevelMapper.CanonicalLevel)
    {
        if (outputHeight < 1 || outputWidth < 1)
            throw new ArgumentOutOfRangeException(nameof(outputHeight),
                $"MultiScaleRoIAlign output size {outputHeight}x{outputWidth}: both must be >= 1.");
        _kernel = kernel;
        _outputHeight = outputHeight;
        _outputWidth = outputWidth;
        _samplingRatio = samplingRatio;
        _aligned = aligned;
        _canonicalScale = canonicalScale;
        _canonicalLevel = canonicalLevel;
    }

    /// <summary>
    /// Pools every RoI into <paramref name="output"/> [R, C, outputHeight, outputWidth], RoI i into row i.
    /// </summary>
    /// <param name="levels">Feature maps, finest first ('0'..'3'; not 'pool'), same batch and channels.</param>
    /// <param name="rois">RoIs of all batch images, xyxy in resized-input pixels.</param>
    /// <param name="imageHeight">The largest unpadded resized image height of the batch (torchvision's image_sizes max).</param>
    /// <param name="imageWidth">The largest unpadded resized image width (torchvision does not use it for the scale).</param>
    public void Run(IReadOnlyList<FeatureLevel> levels, ReadOnlySpan<RoiBox> rois, int imageHeight, int imageWidth,
        Span<float> output)
    {
        if (levels.Count == 0) throw new ArgumentException("MultiScaleRoIAlign needs at least one feature level.", nameof(levels));
        if (imageWidth < 1) throw new ArgumentOutOfRangeException(nameof(imageWidth), $"Image width {imageWidth}: must be >= 1.");
        int channels = levels[0].Channels;
        int perRoi = channels * _outputHeight * _outputWidth;
        for (int l = 1; l < levels.Count; l++)
            if (levels[l].Channels != channels || levels[l].Batch != levels[0].Batch)
                throw new ArgumentException(
                    $"Feature level {l} is [{levels[l].Batch},{levels[l].Channels},..], level 0 is [{levels[0].Batch},{channels},..]: all levels need the same batch and channels.",
                    nameof(levels));
        if (output.Length != (long)rois.Length * perRoi)
            throw new ArgumentException(
                $"Output length {output.Length} != R·C·oh·ow = {rois.Length}·{channels}·{_outputHeight}·{_outputWidth}.", nameof(output));
        if (rois.Length == 0) return;

        if (levels.Count == 1)
        {
            // torchvision skips level mapping with a single map.
            _kernel.Run(levels[0], rois, Params(levels[0], imageHeight), output);
            return;
        }

        int kMin = LevelMapper.LevelOfScale(LevelMapper.InferScale(levels[0].Height, imageHeight));
        int kMax = LevelMapper.LevelOfScale(LevelMapper.InferScale(levels[^1].Height, imageHeight));
        if (_levelOf.Length < rois.Length)
        {
            _levelOf = new int[rois.Length];
            _levelRois = new RoiBox[rois.Length];
            _levelRows = new int[rois.Length];
        }
        for (int i = 0; i < rois.Length; i++)
        {
            var r = rois[i];
            int level = LevelMapper.MapLevel(r.X1, r.Y1, r.X2, r.Y2, kMin, kMax, _canonicalScale, _canonicalLevel);
            if (level >= levels.Count)
                throw new ArgumentException(
                    $"RoI {i} maps to level {level} but only {levels.Count} feature levels were given (k_min {kMin}, k_max {kMax}).",
                    nameof(levels));
            _levelOf[i] = level;
            if (level < 0) output.Slice(i * perRoi, perRoi).Clear(); // NaN level: torchvision leaves zeros
        }
        for (int l = 0; l < levels.Count; l++)
        {
            int n = 0;
            for (int i = 0; i < rois.Length; i++)
            {
                if (_levelOf[i] != l) continue;
                _levelRois[n] = rois[i];
                _levelRows[n++] = i;
            }
            if (n == 0) continue;
            _kernel.Run(levels[l], _levelRois.AsSpan(0, n), _levelRows.AsSpan(0, n), Params(levels[l], imageHeight), output);
        }
    }

    private RoiAlignParams Params(in FeatureLevel level, int imageHeight) =>
        new(_outputHeight, _outputWidth, LevelMapper.InferScale(level.Height, imageHeight), _samplingRatio, _aligned);
}
