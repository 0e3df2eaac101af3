using System.Collections.Immutable;
using BenchmarkDotNet.Attributes;
using MaskStream.Core.Appearance;
using MaskStream.Core.Frames;
using MaskStream.Core.Geometry;
using MaskStream.Core.Masks;
using MaskStream.Core.Objects;
using MaskStream.Tracking;

namespace MaskStream.Bench;

/// <summary>
/// One tracker <c>Update</c> with 50 confirmed tracks and 50 detections (issue 7: well under a millisecond on
/// one core, no managed allocation beyond the result). Two prepared frames alternate, with every object
/// shifted by a pixel between them, so every call does the full work (prediction, cost matrix, assignment,
/// Kalman update) on its 50 tracks; the frame numbers step back and forth, which the tracker counts as one
/// frame each. <c>byte+appearance</c>: every detection carries a colour histogram of its own (ByteTracker's appearance
/// cue fuses them into the first association and averages them per track); <c>byte</c> and <c>iou</c> have none.
/// <c>byte+parts</c>: as <c>byte+appearance</c>, with every person's mask and a second, lower-scoring detection around their
/// legs whose mask lies inside it, which <see cref="TrackerOptions.ContainedMaskFraction"/> drops (100 detections a frame).
/// </summary>
[MemoryDiagnoser]
public class TrackerBenchmarks
{
    private const int Objects = 50;
    private readonly DetectedFrame[] _frames = new DetectedFrame[2];
    private IMultiObjectTracker _tracker = null!;
    private int _next;

    [Params("byte", "byte+appearance", "byte+parts", "iou")]
    public string Tracker { get; set; } = "byte";

    [GlobalSetup]
    public void Setup()
    {
        var looks = new ColorHistogram[Objects];
        for (int i = 0; i < Objects; i++)
        {
            // Two colours a person, a different pair each, spread over a few bins as real clothes are.
            var bins = new float[ColorHistogram.Length];
            for (int k = 0; k < 3; k++)
            {
                bins[(i + k) % 32] += 1f / 3;
                bins[ColorHistogram.PartBins + (i * 7 + k) % 36] += 1f / 3;
            }
            looks[i] = ColorHistogram.FromValues(bins);
        }
        for (int f = 0; f < 2; f++)
        {
            bool parts = Tracker == "byte+parts";
            var dets = new Detection[parts ? 2 * Objects : Objects];
            for (int i = 0; i < Objects; i++)
            {
                // A 10x5 grid of 40x80 people over a 640x480 frame.
                float x = 5 + (i % 10) * 62 + f, y = 5 + (i / 10) * 94 + 0.5f * f;
                dets[i] = new Detection(1, 0.6f + 0.007f * i, new BoxF(x, y, x + 40, y + 80),
                    parts ? RlePolygon.FromBox(x, y, 40, 80, 480, 640) : null, ImmutableArray<Keypoint>.Empty)
                {
                    Appearance = Tracker is "byte+appearance" or "byte+parts" ? looks[i] : null,
                };
                if (parts)
                    dets[Objects + i] = new Detection(1, 0.55f + 0.007f * i, new BoxF(x + 4, y + 40, x + 36, y + 80),
                        RlePolygon.FromBox(x + 4, y + 40, 32, 40, 480, 640), ImmutableArray<Keypoint>.Empty) { Appearance = looks[i] };
            }
            _frames[f] = new DetectedFrame(new FrameInfo("bench", f, DateTimeOffset.UnixEpoch, null, 640, 480), [.. dets]);
        }
        _tracker = Tracker != "iou" ? new ByteTracker(new TrackerOptions(), 30) : new IouTracker(new TrackerOptions(), 30);
        for (int i = 0; i < 100; i++) Update();
        if (Update().Frame.Objects.Length != Objects)
            throw new InvalidOperationException("warm-up did not reach 50 confirmed tracks");
    }

    [Benchmark(Description = "Update 50 tracks x 50 detections")]
    public TrackingResult Update() => _tracker.Update(_frames[_next++ & 1]);
}
