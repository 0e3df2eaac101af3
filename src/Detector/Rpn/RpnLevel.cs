namespace MaskStream.Detector.Rpn;

/// <summary>
/// One image's RPN head output at one FPN level: objectness logits [A, h, w] and deltas [4A, h, w] where channel
/// a·4 + k is coordinate k of anchor a (PARITY §3). Views into the backbone graph's outputs.
/// </summary>
public readonly struct RpnLevel(ReadOnlyMemory<float> objectness, ReadOnlyMemory<float> deltas, int anchorsPerLocation, GridSize grid)
{
    public ReadOnlyMemory<float> Objectness { get; } = objectness;
    public ReadOnlyMemory<float> Deltas { get; } = deltas;
    public int AnchorsPerLocation { get; } = anchorsPerLocation;
    public GridSize Grid { get; } = grid;

    /// <summary>Anchors at this level, A·h·w.</summary>
    public int Count => AnchorsPerLocation * Grid.Height * Grid.Width;
}
