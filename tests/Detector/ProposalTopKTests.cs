using MaskStream.Detector.Rpn;

namespace MaskStream.Detector.Tests;

/// <summary>
/// The RPN's per-level top-k (a radix select) against the definition it implements: every logit of the level as
/// (logit, flattened (h, w, a) index), fully sorted by logit descending then index ascending, the first k. The parity
/// tests check it on real RPN outputs; these reach the cases real logits rarely hold: ties across the k-th place, a
/// bucket holding every value, −0 against +0, NaN and infinities, k equal to the level's size.
/// </summary>
public sealed class ProposalTopKTests
{
    private static readonly RpnOptions Options = new(1000, 1000, 0.7, 0f, 1e-3f, new BoxCoderWeights(1, 1, 1, 1), MathF.Log(1000f / 16));

    public static TheoryData<string, int, int, int, int> Cases => new()
    {
        // name, anchors per location, h, w, k
        { "normal", 3, 20, 30, 100 },
        { "normal", 6, 60, 80, 1000 },
        { "few distinct", 3, 20, 30, 100 },
        { "all equal", 2, 10, 10, 37 },
        { "near-equal", 3, 20, 30, 250 },
        { "specials", 3, 8, 9, 50 },
        { "normal", 3, 8, 9, 216 },
        { "few distinct", 1, 1, 1, 1 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void TopK_EqualsTheFirstKOfTheFullSort(string kind, int a, int h, int w, int k)
    {
        for (int seed = 0; seed < 5; seed++)
        {
            var logits = Logits(kind, a * h * w, seed);
            var level = new RpnLevel(logits, new float[4 * logits.Length], a, new GridSize(h, w));
            var top = new Nms.ScoreIndex[k];
            new ProposalFilter(Options).TopK(level, top);

            var expected = Enumerable.Range(0, logits.Length)
                .Select(i => new Nms.ScoreIndex(logits[i % a * (h * w) + i / a], i)) // flattened (h, w, a) index i
                .Order(default(Nms.ScoreDescending)).Take(k).ToArray();
            for (int i = 0; i < k; i++)
            {
                Assert.Equal(expected[i].Index, top[i].Index);
                // Bit for bit: −0 stays −0, NaN stays NaN.
                Assert.Equal(BitConverter.SingleToInt32Bits(expected[i].Score), BitConverter.SingleToInt32Bits(top[i].Score));
            }
        }
    }

    [Fact]
    public void TopK_SecondLevelAfterALargerOne_ReusesScratch()
    {
        var filter = new ProposalFilter(Options);
        var big = Logits("normal", 3 * 40 * 40, 1);
        filter.TopK(new RpnLevel(big, new float[4 * big.Length], 3, new GridSize(40, 40)), new Nms.ScoreIndex[300]);
        var small = Logits("near-equal", 3 * 5 * 5, 2);
        var top = new Nms.ScoreIndex[10];
        filter.TopK(new RpnLevel(small, new float[4 * small.Length], 3, new GridSize(5, 5)), top);
        var expected = Enumerable.Range(0, small.Length)
            .Select(i => new Nms.ScoreIndex(small[i % 3 * 25 + i / 3], i)).Order(default(Nms.ScoreDescending)).Take(10);
        Assert.Equal(expected, top);
    }

    [Theory]
    [InlineData(float.NaN, float.NegativeInfinity)]
    [InlineData(float.NegativeInfinity, float.MinValue)]
    [InlineData(-1f, -0.5f)]
    [InlineData(-float.Epsilon, 0f)]
    [InlineData(0f, float.Epsilon)]
    [InlineData(1f, 1.0000001f)]
    [InlineData(float.MaxValue, float.PositiveInfinity)]
    public void OrderKey_IsMonotonic(float lower, float higher)
    {
        Assert.True(ProposalFilter.OrderKey(lower) < ProposalFilter.OrderKey(higher));
    }

    [Fact]
    public void OrderKey_NegativeZeroEqualsZero_AndEveryNaNIsLowest()
    {
        Assert.Equal(ProposalFilter.OrderKey(0f), ProposalFilter.OrderKey(-0f));
        Assert.Equal(0u, ProposalFilter.OrderKey(float.NaN));
        Assert.Equal(0u, ProposalFilter.OrderKey(BitConverter.Int32BitsToSingle(unchecked((int)0xFFC0_0001))));
    }

    private static float[] Logits(string kind, int n, int seed)
    {
        var rng = new Random(seed);
        var v = new float[n];
        for (int i = 0; i < n; i++)
        {
            v[i] = kind switch
            {
                // Trained RPNs: most anchors far below zero, a few high.
                "normal" => (float)(rng.NextDouble() < 0.05 ? rng.NextDouble() * 8 - 2 : -6 - 4 * rng.NextDouble()),
                "few distinct" => rng.Next(4) - 2f,
                "all equal" => 0.25f,
                // One 16-bit bucket: values a few ulps apart, so the bucket holds far more than k.
                "near-equal" => BitConverter.Int32BitsToSingle(BitConverter.SingleToInt32Bits(-1.5f) + rng.Next(40)),
                "specials" => rng.Next(8) switch
                {
                    0 => float.NaN,
                    1 => -0f,
                    2 => 0f,
                    3 => float.NegativeInfinity,
                    4 => float.PositiveInfinity,
                    _ => (float)(rng.NextDouble() * 2 - 1),
                },
                _ => throw new ArgumentException(kind),
            };
        }
        return v;
    }
}
