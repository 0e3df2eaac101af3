using MaskStream.Core.Geometry;

namespace MaskStream.Detector.Rpn;

/// <summary>Rows × columns of one feature map.</summary>
public readonly record struct GridSize(int Height, int Width);

/// <summary>
/// torchvision's AnchorGenerator (models/detection/anchor_utils.py), PARITY §4. Aspect ratio means height / width.
/// Cell anchors are zero-centred and rounded half to even once; each level's grid shifts them by the integer
/// stride padded_size // grid_size per axis, with no half-stride offset. Anchors are cached per padded size,
/// since they depend only on it and the grids. One call at a time per instance.
/// </summary>
public sealed class AnchorGenerator
{
    private readonly BoxF[][] _cellAnchors;
    private readonly Dictionary<(int Height, int Width), BoxF[]> _cache = [];

    /// <param name="sizes">Per level, the anchor sizes (pixels of the padded input).</param>
    /// <param name="aspectRatios">Height / width ratios, the same for every level.</param>
    public AnchorGenerator(IReadOnlyList<IReadOnlyList<float>> sizes, IReadOnlyList<float> aspectRatios)
    {
        if (sizes.Count == 0) throw new ArgumentException("AnchorGenerator needs at least one level of sizes.", nameof(sizes));
        _cellAnchors = new BoxF[sizes.Count][];
        for (int l = 0; l < sizes.Count; l++) _cellAnchors[l] = CellAnchors(sizes[l].ToArray(), aspectRatios.ToArray());
    }

    /// <summary>Number of levels.</summary>
    public int Levels => _cellAnchors.Length;

    /// <summary>Anchors per feature-map cell of <paramref name="level"/> (A).</summary>
    public int AnchorsPerLocation(int level) => _cellAnchors[level].Length;

    /// <summary>
    /// torchvision's generate_anchors: ws = size / sqrt(r), hs = size·sqrt(r) (f32), anchor round([-ws, -hs, ws, hs] / 2),
    /// ratio-major, size-minor.
    /// </summary>
    public static BoxF[] CellAnchors(ReadOnlySpan<float> sizes, ReadOnlySpan<float> aspectRatios)
    {
        var anchors = new BoxF[sizes.Length * aspectRatios.Length];
        int k = 0;
        foreach (float ratio in aspectRatios)
        {
            float hRatio = MathF.Sqrt(ratio);
            float wRatio = 1f / hRatio;
            foreach (float size in sizes)
            {
                float ws = wRatio * size, hs = hRatio * size;
                // torch.round rounds half to even, as MathF.Round does by default.
                anchors[k++] = new BoxF(MathF.Round(-ws / 2f), MathF.Round(-hs / 2f), MathF.Round(ws / 2f), MathF.Round(hs / 2f));
            }
        }
        return anchors;
    }

    /// <summary>
    /// One level's anchors in (row, col, a) order: cell anchor a shifted by (col·strideWidth, row·strideHeight).
    /// </summary>
    public static void GridAnchors(ReadOnlySpan<BoxF> cellAnchors, GridSize grid, int strideHeight, int strideWidth,
        Span<BoxF> output)
    {
        int a = cellAnchors.Length;
        if (output.Length != grid.Height * grid.Width * a)
            throw new ArgumentException($"Output holds {output.Length} anchors; a {grid.Height}x{grid.Width} grid with {a} per cell needs {grid.Height * grid.Width * a}.", nameof(output));
        int k = 0;
        for (int row = 0; row < grid.Height; row++)
        {
            float y = row * strideHeight;
            for (int col = 0; col < grid.Width; col++)
            {
                float x = col * strideWidth;
                foreach (var c in cellAnchors)
                    output[k++] = new BoxF(x + c.X1, y + c.Y1, x + c.X2, y + c.Y2);
            }
        }
    }

    /// <summary>
    /// All anchors of a padded input, levels concatenated in order, each level (row, col, a). The array is cached and
    /// shared: callers must not write to it.
    /// </summary>
    /// <param name="paddedHeight">Height of the padded batch tensor (not of the image).</param>
    /// <param name="paddedWidth">Width of the padded batch tensor.</param>
    /// <param name="grids">Per level, the feature-map size.</param>
    public BoxF[] Anchors(int paddedHeight, int paddedWidth, ReadOnlySpan<GridSize> grids)
    {
        if (grids.Length != _cellAnchors.Length)
            throw new ArgumentException($"{grids.Length} feature maps for {_cellAnchors.Length} anchor levels.", nameof(grids));
        if (_cache.TryGetValue((paddedHeight, paddedWidth), out var cached) && cached.Length == Count(grids)) return cached;
        var all = new BoxF[Count(grids)];
        int offset = 0;
        for (int l = 0; l < grids.Length; l++)
        {
            var g = grids[l];
            if (g.Height < 1 || g.Width < 1)
                throw new ArgumentException($"Feature map {l} is {g.Height}x{g.Width}; both must be >= 1.", nameof(grids));
            int n = g.Height * g.Width * _cellAnchors[l].Length;
            GridAnchors(_cellAnchors[l], g, paddedHeight / g.Height, paddedWidth / g.Width, all.AsSpan(offset, n));
            offset += n;
        }
        _cache[(paddedHeight, paddedWidth)] = all;
        return all;
    }

    private int Count(ReadOnlySpan<GridSize> grids)
    {
        int n = 0;
        for (int l = 0; l < grids.Length; l++) n += grids[l].Height * grids[l].Width * _cellAnchors[l].Length;
        return n;
    }
}
