using System.Collections.Immutable;
using MaskStream.Core.Appearance;
using MaskStream.Core.Masks;
using MaskStream.Core.Objects;
using static MaskStream.Tracking.Tests.Frames;

namespace MaskStream.Tracking.Tests;

/// <summary>
/// Steady state allocates only the output record. Allocation is deterministic, so it is asserted; speed is
/// measured in bench/MaskStream.Bench (TrackerBenchmarks), never here.
/// </summary>
public class AllocationTests
{
    private const int Objects = 50;
    private const int WarmUp = 40;
    private const int Measured = 20;

    /// <summary>50 people on a 10x5 grid, each drifting at its own speed: 50 tracks meet 50 detections every frame.</summary>
    /// <param name="appearance">Whether every detection carries a colour histogram (its own, two colours per person), so that the
    /// appearance costs and the tracks' averages run too.</param>
    /// <param name="parts">Whether every person has a mask and a second, lower-scoring detection around their legs whose mask lies
    /// inside theirs, so that <see cref="TrackerOptions.ContainedMaskFraction"/> compares masks and drops 50 detections a frame.</param>
    private static DetectedFrame[] Sequence(bool appearance, bool parts = false)
    {
        var looks = new ColorHistogram[Objects];
        for (int i = 0; i < Objects; i++)
        {
            var bins = new float[ColorHistogram.Length];
            bins[i % 32] = 1;
            bins[ColorHistogram.PartBins + (i * 7 + 3) % 36] = 1;
            looks[i] = ColorHistogram.FromValues(bins);
        }
        var frames = new DetectedFrame[WarmUp + Measured];
        for (int f = 0; f < frames.Length; f++)
        {
            var dets = new Detection[parts ? 2 * Objects : Objects];
            for (int i = 0; i < Objects; i++)
            {
                float x = 5 + (i % 10) * 62 + 0.1f * (i % 7) * f;
                float y = 5 + (i / 10) * 94 + 0.05f * (i % 3) * f;
                dets[i] = Det(x, y, x + 40, y + 80, score: 0.6f + 0.007f * i);
                if (appearance) dets[i] = dets[i] with { Appearance = looks[i] };
                if (parts)
                {
                    dets[i] = dets[i] with { Mask = RlePolygon.FromBox(x, y, 40, 80, Height, Width) };
                    dets[Objects + i] = Det(x + 4, y + 40, x + 36, y + 80, score: 0.55f + 0.007f * i,
                        mask: RlePolygon.FromBox(x + 4, y + 40, 32, 40, Height, Width));
                }
            }
            frames[f] = At(f, dets);
        }
        return frames;
    }

    /// <summary>What building an output of <paramref name="n"/> objects (and no events) costs by itself.</summary>
    private static long OutputBytes(DetectedFrame frame, int n)
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        var objects = new TrackedObject[n];
        for (int i = 0; i < n; i++) objects[i] = new TrackedObject(i, TrackState.Tracked, i, frame.Detections[i]);
        var result = new TrackingResult(new TrackedFrame(frame.Info, [.. objects]), ImmutableArray<TrackEvent>.Empty, 0);
        long bytes = GC.GetAllocatedBytesForCurrentThread() - before;
        GC.KeepAlive(result);
        // [.. objects] copied the array once more; the tracker hands its array over without a copy.
        return bytes - (24 + 8L * n);
    }

    [Theory]
    [InlineData("byte")]
    [InlineData("byte+appearance")]
    [InlineData("byte+parts")]
    [InlineData("iou")]
    public void SteadyStateUpdate_With50TracksAnd50Detections_AllocatesOnlyTheResult(string kind)
    {
        IMultiObjectTracker tracker = kind.StartsWith("byte", StringComparison.Ordinal)
            ? new ByteTracker(new TrackerOptions(), 30)
            : new IouTracker(new TrackerOptions(), 30);
        var frames = Sequence(appearance: kind.EndsWith("appearance", StringComparison.Ordinal), parts: kind.EndsWith("parts", StringComparison.Ordinal));
        var byteTracker = tracker as ByteTracker;
        for (int f = 0; f < WarmUp; f++) tracker.Update(frames[f]);

        long worstExtra = long.MinValue;
        for (int f = WarmUp; f < frames.Length; f++)
        {
            long expected = OutputBytes(frames[f], Objects);
            long before = GC.GetAllocatedBytesForCurrentThread();
            var r = tracker.Update(frames[f]);
            long used = GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.Equal(Objects, r.Frame.Objects.Length);
            Assert.Empty(r.Events);
            worstExtra = Math.Max(worstExtra, used - expected);
        }
        Assert.True(worstExtra <= 0, $"{kind}: an update allocated {worstExtra} bytes beyond its result");
        if (kind.EndsWith("parts", StringComparison.Ordinal)) Assert.Equal((long)Objects * frames.Length, byteTracker!.DroppedParts);
    }
}
