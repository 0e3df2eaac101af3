namespace MaskStream.Kernels.Preprocess;

/// <summary>Per-channel (x − mean) / std on RGB values in [0, 1], as the model's transform applies it.</summary>
public readonly record struct Normalization(float MeanR, float MeanG, float MeanB, float StdR, float StdG, float StdB)
{
    /// <summary>torchvision's R-CNN defaults (ImageNet statistics).</summary>
    public static Normalization ImageNet { get; } = new(0.485f, 0.456f, 0.406f, 0.229f, 0.224f, 0.225f);

    /// <summary>
    /// The normalised value of every byte per RGB channel: lut[c·256 + v] = (v / 255 − mean_c) / std_c, each step in
    /// f32 with division as torchvision does (convert_image_dtype divides by 255; normalize divides by std).
    /// A byte has 256 values, so a table gives exactly the per-pixel result.
    /// </summary>
    internal float[] BuildTable()
    {
        ReadOnlySpan<float> mean = [MeanR, MeanG, MeanB];
        ReadOnlySpan<float> std = [StdR, StdG, StdB];
        for (int c = 0; c < 3; c++)
            if (!(std[c] > 0f) || !float.IsFinite(std[c]) || !float.IsFinite(mean[c]))
                throw new ArgumentOutOfRangeException(nameof(StdR),
                    $"Normalization channel {c}: mean {mean[c]}, std {std[c]}; std must be a finite number > 0.");
        var table = new float[3 * 256];
        for (int c = 0; c < 3; c++)
            for (int v = 0; v < 256; v++)
                table[c * 256 + v] = ((float)v / 255f - mean[c]) / std[c];
        return table;
    }
}
