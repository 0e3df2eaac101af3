using System.Diagnostics;
using MaskStream.Core.Frames;

namespace MaskStream.Ingest.Tests.Capture;

/// <summary>Video files through OpenCV's VideoCapture: every frame once, in order, with its pts; paced or fast; stop or
/// loop at the end.</summary>
public sealed class VideoCaptureSourceTests(VideoFiles files) : IClassFixture<VideoFiles>
{
    private static readonly SourceOptions Fast = new() { Pace = FramePace.Fast };

    [Fact]
    public async Task File_Fast_EveryFrameOnceInOrderWithItsPts()
    {
        await using var source = FrameSourceFactory.Open("door", files.Mp4, Fast);
        Assert.False(source.IsLive);
        Assert.Equal((VideoFiles.Width, VideoFiles.Height, (double)VideoFiles.Fps), (source.Width, source.Height, source.FramesPerSecond));

        var frames = await ReadAllAsync(source, int.MaxValue);

        Assert.Equal(VideoFiles.Frames, frames.Count);
        for (int i = 0; i < frames.Count; i++)
        {
            var (info, level) = frames[i];
            Assert.Equal(("door", (long)i, VideoFiles.Width, VideoFiles.Height), (info.CameraId, info.FrameNumber, info.Width, info.Height));
            Assert.Equal(1000.0 * i / VideoFiles.Fps, info.Pts!.Value.TotalMilliseconds, 1.0);
            Assert.InRange(level, VideoFiles.LevelOf(i) - 3, VideoFiles.LevelOf(i) + 3);
        }
    }

    [Fact]
    public async Task File_NativePace_NoFrameLeavesBeforeItsPts()
    {
        await using var source = FrameSourceFactory.Open("door", "file://" + files.Mp4.Replace(" ", "%20", StringComparison.Ordinal));
        var clock = Stopwatch.StartNew();
        var arrivals = new List<(TimeSpan Pts, TimeSpan At)>();
        await foreach (var frame in source.ReadAsync(CancellationToken.None))
        {
            using (frame)
                arrivals.Add((frame.Info.Pts!.Value, clock.Elapsed));
        }

        Assert.Equal(VideoFiles.Frames, arrivals.Count);
        // Paced from the first frame: the last one is due 1.1 s in, and none leaves early.
        Assert.All(arrivals, a => Assert.True(a.At >= a.Pts - TimeSpan.FromMilliseconds(20), $"frame at pts {a.Pts} left at {a.At}"));
    }

    [Fact]
    public async Task File_Fast_DoesNotWaitForThePts()
    {
        await using var source = FrameSourceFactory.Open("door", files.Mp4, Fast);
        var clock = Stopwatch.StartNew();
        var frames = await ReadAllAsync(source, int.MaxValue);

        // 12 frames of 160x120 decode in milliseconds; paced, the last would leave 1.1 s in.
        Assert.Equal(VideoFiles.Frames, frames.Count);
        Assert.True(clock.Elapsed < frames[^1].Info.Pts, $"fast read took {clock.Elapsed}, the last frame's pts is {frames[^1].Info.Pts}");
    }

    [Fact]
    public async Task File_Loop_StartsAgainWithFrameNumbersAndPtsCountingOn()
    {
        await using var source = FrameSourceFactory.Open("door", files.Mp4, Fast with { AtEnd = EndOfStream.Loop });

        var frames = await ReadAllAsync(source, 2 * VideoFiles.Frames + 5);

        Assert.Equal(2 * VideoFiles.Frames + 5, frames.Count);
        for (int i = 0; i < frames.Count; i++)
        {
            Assert.Equal(i, frames[i].Info.FrameNumber);
            Assert.Equal(1000.0 * i / VideoFiles.Fps, frames[i].Info.Pts!.Value.TotalMilliseconds, 1.0);
            Assert.InRange(frames[i].Level, VideoFiles.LevelOf(i % VideoFiles.Frames) - 3, VideoFiles.LevelOf(i % VideoFiles.Frames) + 3);
        }
    }

    [Fact]
    public void File_Missing_NamesCameraAndPath()
    {
        var e = Assert.Throws<FrameSourceException>(() => FrameSourceFactory.Open("door", "/no/such/clip.mp4"));
        Assert.Equal("camera 'door': no such video file '/no/such/clip.mp4'", e.Message);
    }

    [Fact]
    public void File_NotAVideo_NamesCameraAndPath()
    {
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, "not a video");
            var e = Assert.Throws<FrameSourceException>(() => FrameSourceFactory.Open("door", path));
            Assert.Equal($"camera 'door': cannot decode video file '{path}'", e.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>Reads up to <paramref name="max"/> frames, keeping each frame's metadata and mean blue level; every
    /// pixel buffer is returned.</summary>
    internal static async Task<List<(FrameInfo Info, double Level)>> ReadAllAsync(IFrameSource source, int max)
    {
        var frames = new List<(FrameInfo, double)>();
        await foreach (var frame in source.ReadAsync(CancellationToken.None))
        {
            using (frame)
                frames.Add((frame.Info, MeanBlue(frame.Pixels)));
            if (frames.Count == max)
                break;
        }
        return frames;
    }

    private static double MeanBlue(PixelBuffer pixels)
    {
        long sum = 0;
        var p = pixels.Pixels;
        for (int i = 0; i < p.Length; i += 3)
            sum += p[i];
        return sum / (double)(p.Length / 3);
    }
}
