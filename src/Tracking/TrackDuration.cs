using System.Globalization;

namespace MaskStream.Tracking;

/// <summary>The unit of a <see cref="TrackDuration"/>.</summary>
public enum TrackDurationUnit
{
    Frames,
    Seconds,
}

/// <summary>
/// A span of a track's life, in frames or in seconds. Seconds hold at any frame rate (ByteTrack
/// scales its 30-frame buffer by fps/30 for the same reason); the tracker converts them with the
/// camera's frame rate once, when it is built.
/// </summary>
public readonly record struct TrackDuration(double Value, TrackDurationUnit Unit)
{
    public static TrackDuration FromFrames(int frames) => new(frames, TrackDurationUnit.Frames);

    public static TrackDuration FromSeconds(double seconds) => new(seconds, TrackDurationUnit.Seconds);

    /// <summary>Whole frames at <paramref name="frameRate"/> frames per second (seconds rounded to the nearest frame).</summary>
    public int ToFrames(double frameRate) => Unit == TrackDurationUnit.Frames
        ? (int)Math.Round(Value)
        : (int)Math.Round(Value * frameRate);

    public override string ToString() => Unit == TrackDurationUnit.Frames
        ? string.Create(CultureInfo.InvariantCulture, $"{Value} frames")
        : string.Create(CultureInfo.InvariantCulture, $"{Value} s");
}
