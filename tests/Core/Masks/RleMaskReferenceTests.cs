using System.Text.Json;
using MaskStream.Core.Masks;
using static MaskStream.Core.Tests.ReferenceFixtures;

namespace MaskStream.Core.Tests.Masks;

/// <summary>Every case of coco_rle.json (produced by pycocotools 2.0.11) must agree byte for byte.</summary>
public sealed class RleMaskReferenceTests
{
    private const string File = "coco_rle.json";

    public static TheoryData<string> EncodeCases => CaseNames(File, "encode_cases");
    public static TheoryData<string> FrPyObjectsCases => CaseNames(File, "frpyobjects_cases");
    public static TheoryData<string> IouCases => CaseNames(File, "iou_cases");
    public static TheoryData<string> MergeCases => CaseNames(File, "merge_cases");

    [Theory]
    [MemberData(nameof(EncodeCases))]
    public void Encode_FromDecodedMask_MatchesPycocotoolsString(string name)
    {
        var c = Case(File, "encode_cases", name);
        int h = c.GetProperty("h").GetInt32(), w = c.GetProperty("w").GetInt32();
        var runs = UInts(c.GetProperty("runs"));

        // runs → row-major pixels by hand (independent of the codec), then encode
        var pixels = RunsToRowMajor(runs, h, w);
        var encoded = RleMask.Encode(pixels, h, w);

        Assert.Equal(runs, encoded.Counts.ToArray());
        Assert.Equal(c.GetProperty("counts").GetString(), encoded.ToCompressedString());
        Assert.Equal(c.GetProperty("area").GetInt64(), encoded.Area);
        AssertBbox(c.GetProperty("bbox"), encoded.ToBbox());
        if (c.TryGetProperty("rows", out var rows)) AssertRows(rows, pixels, w);
    }

    [Theory]
    [MemberData(nameof(EncodeCases))]
    public void Decode_FromPycocotoolsString_GivesTheMask(string name)
    {
        var c = Case(File, "encode_cases", name);
        int h = c.GetProperty("h").GetInt32(), w = c.GetProperty("w").GetInt32();
        var runs = UInts(c.GetProperty("runs"));

        var decoded = RleMask.FromCompressedString(c.GetProperty("counts").GetString()!, h, w);

        Assert.Equal(runs, decoded.Counts.ToArray());
        Assert.Equal(RunsToRowMajor(runs, h, w), decoded.Decode());
        Assert.Equal(c.GetProperty("area").GetInt64(), decoded.Area);
    }

    [Theory]
    [MemberData(nameof(EncodeCases))]
    public void EncodeRegion_OfTheMaskBoundingBox_EqualsFullFrameEncode(string name)
    {
        var c = Case(File, "encode_cases", name);
        int h = c.GetProperty("h").GetInt32(), w = c.GetProperty("w").GetInt32();
        var runs = UInts(c.GetProperty("runs"));
        var pixels = RunsToRowMajor(runs, h, w);
        var (bx, by, bw, bh) = RleMask.FromCounts(h, w, runs).ToBbox();
        int left = (int)bx, top = (int)by, rw = (int)bw, rh = (int)bh;
        var region = new byte[rw * rh];
        for (int y = 0; y < rh; y++)
            for (int x = 0; x < rw; x++)
                region[y * rw + x] = pixels[(top + y) * w + left + x];

        var encoded = RleMask.EncodeRegion(region, left, top, rw, rh, h, w);

        Assert.Equal(c.GetProperty("counts").GetString(), encoded.ToCompressedString());
    }

    [Theory]
    [MemberData(nameof(FrPyObjectsCases))]
    public void FrPyObjects_MatchesPycocotools(string name)
    {
        var c = Case(File, "frpyobjects_cases", name);
        int h = c.GetProperty("h").GetInt32(), w = c.GetProperty("w").GetInt32();
        string kind = c.GetProperty("kind").GetString()!;
        var input = c.GetProperty("input");
        var results = c.GetProperty("results");
        var produced = new List<RleMask>();
        switch (kind)
        {
            case "polygon":
                foreach (var poly in input.EnumerateArray()) produced.Add(RlePolygon.FromPolygon(Doubles(poly), h, w));
                break;
            case "bbox":
                foreach (var box in input.EnumerateArray())
                {
                    var b = Doubles(box);
                    produced.Add(RlePolygon.FromBox(b[0], b[1], b[2], b[3], h, w));
                }
                break;
            case "uncompressed":
                var objects = input.ValueKind == JsonValueKind.Array ? input.EnumerateArray().ToList() : [input];
                foreach (var o in objects)
                {
                    var size = o.GetProperty("size");
                    produced.Add(RleMask.FromCounts(size[0].GetInt32(), size[1].GetInt32(), UInts(o.GetProperty("counts"))));
                }
                break;
            default:
                throw new InvalidDataException($"unknown kind {kind}");
        }

        Assert.Equal(results.GetArrayLength(), produced.Count);
        for (int i = 0; i < produced.Count; i++)
        {
            var expected = results[i];
            Assert.Equal(expected.GetProperty("counts").GetString(), produced[i].ToCompressedString());
            Assert.Equal(expected.GetProperty("area").GetInt64(), produced[i].Area);
            AssertBbox(expected.GetProperty("bbox"), produced[i].ToBbox());
            Assert.Equal(UInts(expected.GetProperty("runs")), produced[i].Counts.ToArray());
        }

        if (c.TryGetProperty("merged", out var merged) && merged.ValueKind == JsonValueKind.Object)
        {
            var polygons = input.EnumerateArray().Select(Doubles).ToList();
            var union = RlePolygon.FromPolygons(polygons, h, w);
            Assert.Equal(merged.GetProperty("counts").GetString(), union.ToCompressedString());
            Assert.Equal(merged.GetProperty("area").GetInt64(), union.Area);
            AssertBbox(merged.GetProperty("bbox"), union.ToBbox());
        }
    }

    [Theory]
    [MemberData(nameof(IouCases))]
    public void Iou_MatchesPycocotools(string name)
    {
        var c = Case(File, "iou_cases", name);
        var crowd = c.GetProperty("iscrowd").EnumerateArray().Select(v => v.GetInt32() != 0).ToArray();
        var expected = c.GetProperty("iou");
        var dt = c.GetProperty("dt").EnumerateArray().ToList();
        var gt = c.GetProperty("gt").EnumerateArray().ToList();
        bool masks = c.GetProperty("type").GetString() == "rle";
        for (int i = 0; i < dt.Count; i++)
        {
            for (int j = 0; j < gt.Count; j++)
            {
                double iou = masks
                    ? RleMask.Iou(ParseRle(dt[i]), ParseRle(gt[j]), crowd[j])
                    : RleMask.BoxIou(Xywh(dt[i]), Xywh(gt[j]), crowd[j]);
                Assert.Equal(expected[i][j].GetDouble(), iou, 1e-12);
            }
        }
    }

    [Theory]
    [MemberData(nameof(MergeCases))]
    public void Merge_MatchesPycocotools(string name)
    {
        var c = Case(File, "merge_cases", name);
        var inputs = c.GetProperty("inputs").EnumerateArray().Select(ParseRle).ToList();
        var result = RleMask.Merge(inputs, c.GetProperty("intersect").GetBoolean());
        var expected = c.GetProperty("result");
        Assert.Equal(expected.GetProperty("counts").GetString(), result.ToCompressedString());
        Assert.Equal(expected.GetProperty("area").GetInt64(), result.Area);
        AssertBbox(expected.GetProperty("bbox"), result.ToBbox());
        Assert.Equal(UInts(expected.GetProperty("runs")), result.Counts.ToArray());
    }

    internal static byte[] RunsToRowMajor(uint[] runs, int h, int w)
    {
        var pixels = new byte[h * w];
        long p = 0;
        for (int r = 0; r < runs.Length; r++)
        {
            for (long k = 0; k < runs[r]; k++, p++)
            {
                if (r % 2 == 1)
                {
                    long x = p / h, y = p % h;
                    pixels[y * w + x] = 1;
                }
            }
        }
        return pixels;
    }

    private static RleMask ParseRle(JsonElement o)
    {
        var size = o.GetProperty("size");
        return RleMask.FromCompressedString(o.GetProperty("counts").GetString()!, size[0].GetInt32(), size[1].GetInt32());
    }

    private static (double, double, double, double) Xywh(JsonElement box)
    {
        var b = Doubles(box);
        return (b[0], b[1], b[2], b[3]);
    }

    private static void AssertBbox(JsonElement expected, (double X, double Y, double W, double H) actual)
    {
        var e = Doubles(expected);
        Assert.Equal(e, new[] { actual.X, actual.Y, actual.W, actual.H });
    }

    private static void AssertRows(JsonElement rows, byte[] pixels, int w)
    {
        int y = 0;
        foreach (var row in rows.EnumerateArray())
        {
            var s = row.GetString()!;
            for (int x = 0; x < w; x++) Assert.Equal(s[x] == '1' ? 1 : 0, pixels[y * w + x]);
            y++;
        }
    }
}
