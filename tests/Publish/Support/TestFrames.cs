using System.Collections.Immutable;
using MaskStream.Core.Frames;
using MaskStream.Core.Geometry;
using MaskStream.Core.Masks;
using MaskStream.Core.Objects;

namespace MaskStream.Publish.Tests.Support;

/// <summary>Tracked frames with known content: a person with a box mask and keypoints, a car with a polygon mask.</summary>
internal static class TestFrames
{
    public static readonly string[] ClassNames = ["__background__", "person", "car", "dog"];

    public static readonly DateTimeOffset Epoch = new(2025, 3, 1, 12, 0, 0, TimeSpan.Zero);

    public const int Width = 64;
    public const int Height = 48;

    public static RleMask PersonMask(long frame) => RlePolygon.FromBox(4 + frame % 10, 6, 10, 20, Height, Width);

    public static RleMask CarMask() => RlePolygon.FromPolygon([30.0, 10.0, 60.0, 12.0, 55.0, 40.0, 32.0, 35.0], Height, Width);

    public static TrackedFrame Make(string camera, long frame)
    {
        var person = new Detection(1, 0.875f, new BoxF(4 + frame % 10, 6, 14 + frame % 10, 26), PersonMask(frame),
            [new Keypoint(9.5f, 8.25f, 0.5f), new Keypoint(10f, 20f, 0.25f)]);
        var car = new Detection(2, 0.5f, new BoxF(30, 10, 60, 40), CarMask(), ImmutableArray<Keypoint>.Empty);
        var info = new FrameInfo(camera, frame, Epoch.AddMilliseconds(40 * frame), TimeSpan.FromMilliseconds(40 * frame), Width, Height);
        return new TrackedFrame(info, [new TrackedObject(7, TrackState.Tracked, 12, person), new TrackedObject(8, TrackState.New, 0, car)]);
    }
}
