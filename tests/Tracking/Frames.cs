using System.Collections.Immutable;
using MaskStream.Core.Frames;
using MaskStream.Core.Geometry;
using MaskStream.Core.Masks;
using MaskStream.Core.Objects;

namespace MaskStream.Tracking.Tests;

/// <summary>Builders for hand-made detections and frames (640x480, 30 fps).</summary>
internal static class Frames
{
    public const int Width = 640;
    public const int Height = 480;

    public static Detection Det(float x1, float y1, float x2, float y2, float score = 0.9f, int classId = 1, RleMask? mask = null) =>
        new(classId, score, new BoxF(x1, y1, x2, y2), mask, ImmutableArray<Keypoint>.Empty);

    /// <summary>A 40x80 person-like box whose top-left corner is (x, y).</summary>
    public static Detection Person(float x, float y, float score = 0.9f, int classId = 1) =>
        Det(x, y, x + 40, y + 80, score, classId);

    public static DetectedFrame At(long frameNumber, params Detection[] detections) =>
        new(new FrameInfo("cam0", frameNumber, DateTimeOffset.UnixEpoch.AddSeconds(frameNumber / 30.0), null, Width, Height),
            [.. detections]);

    public static long[] Ids(TrackingResult r)
    {
        var ids = new long[r.Frame.Objects.Length];
        for (int i = 0; i < ids.Length; i++) ids[i] = r.Frame.Objects[i].TrackId;
        return ids;
    }

    public static long SingleId(TrackingResult r) => Assert.Single(r.Frame.Objects).TrackId;
}
