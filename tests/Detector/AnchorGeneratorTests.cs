using MaskStream.Core.Geometry;
using MaskStream.Detector.Rpn;
using MaskStream.Detector.Tests.Support;

namespace MaskStream.Detector.Tests;

public sealed class AnchorGeneratorTests
{
    [Fact]
    public void Anchors_TorchvisionTestTable_Size10Ratio1On15x15WithA3x3Grid()
    {
        // test/test_models_detection_anchor_utils.py::test_anchor_generator, literally.
        var gen = new AnchorGenerator([[10f]], [1f]);
        var anchors = gen.Anchors(15, 15, [new GridSize(3, 3)]);
        Assert.Equal(
        [
            new BoxF(-5, -5, 5, 5), new BoxF(0, -5, 10, 5), new BoxF(5, -5, 15, 5),
            new BoxF(-5, 0, 5, 10), new BoxF(0, 0, 10, 10), new BoxF(5, 0, 15, 10),
            new BoxF(-5, 5, 5, 15), new BoxF(0, 5, 10, 15), new BoxF(5, 5, 15, 15),
        ], anchors);
    }

    [Fact]
    public void CellAnchors_R50Sizes_AreRoundedHalfToEvenRatioMajor()
    {
        Assert.Equal([new BoxF(-23, -11, 23, 11), new BoxF(-16, -16, 16, 16), new BoxF(-11, -23, 11, 23)],
            AnchorGenerator.CellAnchors([32f], [0.5f, 1f, 2f]));
        Assert.Equal([new BoxF(-362, -181, 362, 181), new BoxF(-256, -256, 256, 256), new BoxF(-181, -362, 181, 362)],
            AnchorGenerator.CellAnchors([512f], [0.5f, 1f, 2f]));
        // Two sizes per level (tiny): ratio-major, size-minor (docs/MODEL_FORMAT.md).
        Assert.Equal([new BoxF(-11, -6, 11, 6), new BoxF(-23, -11, 23, 11), new BoxF(-8, -8, 8, 8), new BoxF(-16, -16, 16, 16),
                new BoxF(-6, -11, 6, 11), new BoxF(-11, -23, 11, 23)],
            AnchorGenerator.CellAnchors([16f, 32f], [0.5f, 1f, 2f]));
    }

    [Fact]
    public void Anchors_PoolLevelOf800x1088_UsesIntegerStride61NotNominal64()
    {
        var gen = new AnchorGenerator([[32f], [64f], [128f], [256f], [512f]], [0.5f, 1f, 2f]);
        GridSize[] grids = [new(200, 272), new(100, 136), new(50, 68), new(25, 34), new(13, 17)];
        var anchors = gen.Anchors(800, 1088, grids);
        int poolStart = (200 * 272 + 100 * 136 + 50 * 68 + 25 * 34) * 3;
        // row 1, col 0, a = 0 of 'pool': shift (0, 800 // 13 = 61)
        Assert.Equal(new BoxF(-362, -120, 362, 242), anchors[poolStart + 17 * 3]);
        Assert.Same(anchors, gen.Anchors(800, 1088, grids)); // cached per padded size
    }

    public static TheoryData<int> Cases() => new(Enumerable.Range(0, Fixtures.TorchvisionOps.GetProperty("anchors").GetArrayLength()));

    [Theory]
    [MemberData(nameof(Cases))]
    public void Anchors_TorchvisionCase_MatchExactly(int index)
    {
        var c = Fixtures.TorchvisionOps.GetProperty("anchors")[index];
        var sizes = c.GetProperty("sizes").EnumerateArray().Select(s => (IReadOnlyList<float>)s.Floats()).ToArray();
        var padded = c.GetProperty("padded").Ints();
        var grids = c.GetProperty("grids").EnumerateArray().Select(g => g.Ints()).Select(g => new GridSize(g[0], g[1])).ToArray();
        var anchors = new AnchorGenerator(sizes, c.GetProperty("aspect_ratios").Floats()).Anchors(padded[0], padded[1], grids);
        Assert.Equal(c.GetProperty("count").GetInt32(), anchors.Length);
        var rows = c.GetProperty("rows").Ints();
        var expected = c.GetProperty("anchors").EnumerateArray().Select(a => a.Floats()).ToArray();
        for (int i = 0; i < rows.Length; i++)
        {
            var e = expected[i];
            Assert.Equal(new BoxF(e[0], e[1], e[2], e[3]), anchors[rows[i]]);
        }
    }
}
