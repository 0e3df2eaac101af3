namespace MaskStream.Kernels.RoiAlign;

/// <summary>
/// One feature map in NCHW float layout: <see cref="Data"/> holds [Batch, Channels, Height, Width]
/// (the full padded map, as the backbone graph returns it).
/// </summary>
public readonly struct FeatureLevel
{
    public FeatureLevel(ReadOnlyMemory<float> data, int batch, int channels, int height, int width)
    {
        if (batch < 1 || channels < 1 || height < 1 || width < 1)
            throw new ArgumentOutOfRangeException(nameof(batch),
                $"Feature map shape [{batch},{channels},{height},{width}]: every dimension must be >= 1.");
        long needed = (long)batch * channels * height * width;
        if (data.Length != needed)
            throw new ArgumentException(
                $"Feature map [{batch},{channels},{height},{width}] needs {needed} floats, got {data.Length}.", nameof(data));
        Data = data;
        Batch = batch;
        Channels = channels;
        Height = height;
        Width = width;
    }

    public ReadOnlyMemory<float> Data { get; }
    public int Batch { get; }
    public int Channels { get; }
    public int Height { get; }
    public int Width { get; }

    /// <summary>Floats in one image of the batch (C·H·W).</summary>
    public int ImageStride => Channels * Height * Width;
}
