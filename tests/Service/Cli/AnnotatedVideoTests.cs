using System.Diagnostics;
using System.Text.Json;
using MaskStream.Service.Cli;
using OpenCvSharp;

namespace MaskStream.Service.Tests.Cli;

/// <summary>The annotated video through a real ffmpeg, checked by a real ffprobe: H.264, yuv420p, every frame.</summary>
public sealed class AnnotatedVideoTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "maskstream-annotated-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public void Write_SevenOddSizedFrames_IsH264Yuv420pWithSevenFramesPaddedToEvenSize()
    {
        string path = Path.Combine(_dir, "sub", "out.mp4");
        using (var video = AnnotatedVideo.Open(path, new Size(161, 121), 12.5))
        {
            for (int i = 0; i < 7; i++)
            {
                using var mat = new Mat(121, 161, MatType.CV_8UC3, new Scalar(20 * i, 255 - 30 * i, 90));
                Cv2.Rectangle(mat, new Rect(10 + 10 * i, 20, 40, 50), Scalar.White, -1);
                video.Write(mat);
            }
        }
        var stream = Probe(path);
        Assert.Equal("h264", stream.GetProperty("codec_name").GetString());
        Assert.Equal("yuv420p", stream.GetProperty("pix_fmt").GetString());
        Assert.Equal("7", stream.GetProperty("nb_read_frames").GetString());
        Assert.Equal(162, stream.GetProperty("width").GetInt32());
        Assert.Equal(122, stream.GetProperty("height").GetInt32());
        Assert.Equal("25/2", stream.GetProperty("r_frame_rate").GetString());
    }

    [Fact]
    public void Write_WhenFfmpegRefusesTheOutput_ThrowsOneLineNamingTheVideoAndFfmpegsReason()
    {
        // No muxer for this extension: ffmpeg exits at once; the next write or the dispose reports it.
        string path = Path.Combine(_dir, "out.not-a-video-format");
        var e = Assert.Throws<CliException>(() =>
        {
            using var video = AnnotatedVideo.Open(path, new Size(64, 48), 25);
            using var mat = new Mat(48, 64, MatType.CV_8UC3, Scalar.Black);
            for (int i = 0; i < 50; i++) video.Write(mat);
        });
        Assert.StartsWith($"--video {path}: ffmpeg", e.Message);
        Assert.Contains("format", e.Message, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain('\n', e.Message);
    }

    private static JsonElement Probe(string path)
    {
        var info = new ProcessStartInfo("ffprobe")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (string a in new[] { "-v", "error", "-select_streams", "v:0", "-count_frames", "-show_entries",
                     "stream=codec_name,pix_fmt,nb_read_frames,width,height,r_frame_rate", "-of", "json", path })
            info.ArgumentList.Add(a);
        using var p = Process.Start(info)!;
        string json = p.StandardOutput.ReadToEnd();
        string err = p.StandardError.ReadToEnd();
        Assert.True(p.WaitForExit(30_000), "ffprobe did not finish");
        Assert.True(p.ExitCode == 0, $"ffprobe failed: {err}");
        return JsonDocument.Parse(json).RootElement.GetProperty("streams")[0].Clone();
    }
}
