using System.Buffers;
using System.Threading.Channels;
using MaskStream.Core.Appearance;
using MaskStream.Core.Frames;
using MaskStream.Core.Objects;
using MaskStream.Detector;
using MaskStream.Ingest;
using MaskStream.Service.Pipeline;
using MaskStream.Service.Tests.Cli;
using MaskStream.Service.Tests.Support;

namespace MaskStream.Service.Tests.Pipeline;

/// <summary>The queues and the detector stage in-process, with a real (random tiny) detector and a pool that counts
/// returns, so a frame that is lost or disposed twice shows.</summary>
[Collection(ServiceModelCollection.Name)]
public sealed class DetectorStageTests(DetectModelFixture model)
{
    [Fact]
    public void CameraFeed_LiveSourceBehind_DropsTheOldestFramesCountsThemAndReturnsTheirPixels()
    {
        var pool = new CountingPool();
        var feed = new CameraFeed(new FakeSource(live: true), new CameraCounters("cam"), capacity: 2);

        for (int n = 0; n < 5; n++)
            Assert.True(feed.Frames.Writer.TryWrite(NewFrame(pool, "cam", n)));

        Assert.Equal(3, feed.Counters.Dropped);
        Assert.Equal(3, feed.Counters.DropsByReason[CameraFeed.QueueFull]);
        Assert.Equal(3, pool.Returned);
        Assert.True(feed.Frames.Reader.TryRead(out var oldestKept));
        Assert.Equal(3, oldestKept.Info.FrameNumber);
        oldestKept.Dispose();
    }

    [Fact]
    public void CameraFeed_FiniteSource_WaitsInsteadOfDropping()
    {
        var feed = new CameraFeed(new FakeSource(live: false), new CameraCounters("file"), capacity: 2);
        var pool = new CountingPool();
        using var first = NewFrame(pool, "file", 0);
        using var second = NewFrame(pool, "file", 1);
        using var third = NewFrame(pool, "file", 2);

        Assert.True(feed.Frames.Writer.TryWrite(first));
        Assert.True(feed.Frames.Writer.TryWrite(second));
        Assert.False(feed.Frames.Writer.TryWrite(third));
        Assert.Equal(0, feed.Counters.Dropped);
    }

    [Fact]
    public async Task RunAsync_TwoCamerasAndACorruptFrame_KeepsEachCamerasOrderCountsTheFailureAndReturnsEveryFrameOnce()
    {
        using var detector = Detector.Detector.Load(model.ModelDir, new DetectorOptions { ScoreThreshold = 1f, IntraOpThreads = 1 });
        var pool = new CountingPool();
        var a = new CameraFeed(new FakeSource(live: false), new CameraCounters("a"), capacity: 8);
        var b = new CameraFeed(new FakeSource(live: false), new CameraCounters("b"), capacity: 8);
        for (int n = 0; n < 4; n++)
        {
            Assert.True(a.Frames.Writer.TryWrite(NewFrame(pool, "a", n)));
            // b's frame 2 claims 160x120 but carries 80x60 pixels: the detector refuses that one frame.
            Assert.True(b.Frames.Writer.TryWrite(n == 2 ? NewFrame(pool, "b", n, pixels: (80, 60)) : NewFrame(pool, "b", n)));
        }
        a.Frames.Writer.Complete();
        b.Frames.Writer.Complete();
        var output = Channel.CreateUnbounded<DetectedFrame>();
        var stage = new DetectorStage(detector, [a, b], new SemaphoreSlim(0), output.Writer, maxBatch: 3, maxWait: TimeSpan.Zero);

        await stage.RunAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(60));

        var detected = new List<DetectedFrame>();
        await foreach (var d in output.Reader.ReadAllAsync())
            detected.Add(d);
        Assert.Equal([0, 1, 2, 3], detected.Where(d => d.Info.CameraId == "a").Select(d => (int)d.Info.FrameNumber));
        Assert.Equal([0, 1, 3], detected.Where(d => d.Info.CameraId == "b").Select(d => (int)d.Info.FrameNumber));
        Assert.Equal((4, 0), (a.Counters.Processed, a.Counters.Failed));
        Assert.Equal((3, 1), (b.Counters.Processed, b.Counters.Failed));
        Assert.StartsWith("frame 2: corrupt frame", b.Counters.LastError);
        Assert.Equal(8, pool.Rented);
        Assert.Equal(8, pool.Returned);
        Assert.Equal(0, pool.ReturnedTwice);
    }

    /// <summary>
    /// With appearance on, every detection leaves with the histogram of its mask's pixels, computed before the frame is
    /// returned to its pool: the frames are one grey (40 + n of 255, value bin 0 of the grey bins), so each body part the mask
    /// covers is all in that bin; a detection whose mask is empty has none.
    /// </summary>
    [Fact]
    public async Task RunAsync_WithAppearance_GivesEachDetectionItsMaskHistogram()
    {
        using var detector = Detector.Detector.Load(model.ModelDir, new DetectorOptions { ScoreThreshold = 0f, IntraOpThreads = 1 });
        var pool = new CountingPool();
        var feed = new CameraFeed(new FakeSource(live: false), new CameraCounters("a"), capacity: 4);
        for (int n = 0; n < 2; n++) Assert.True(feed.Frames.Writer.TryWrite(NewFrame(pool, "a", n)));
        feed.Frames.Writer.Complete();
        var output = Channel.CreateUnbounded<DetectedFrame>();
        var stage = new DetectorStage(detector, [feed], new SemaphoreSlim(0), output.Writer, maxBatch: 2, maxWait: TimeSpan.Zero,
            appearance: true);

        await stage.RunAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(60));

        var detections = new List<Detection>();
        await foreach (var d in output.Reader.ReadAllAsync()) detections.AddRange(d.Detections);
        Assert.Contains(detections, d => d.Mask is { Area: > 0 });
        foreach (var d in detections)
        {
            if (d.Mask is { Area: 0 })
            {
                Assert.Null(d.Appearance);
                continue;
            }
            var values = Assert.IsType<ColorHistogram>(d.Appearance).Values;
            const int greyValueBin0 = ColorHistogram.HueBins * ColorHistogram.SaturationBins;
            float upper = values[greyValueBin0], lower = values[ColorHistogram.PartBins + greyValueBin0];
            Assert.True(upper + lower is 1f or 2f, $"upper {upper}, lower {lower}");
        }
        Assert.Equal(pool.Rented, pool.Returned);
    }

    private static Frame NewFrame(CountingPool pool, string camera, long n, (int W, int H)? pixels = null)
    {
        var (w, h) = pixels ?? (160, 120);
        var buffer = PixelBuffer.Rent(w, h, pool);
        buffer.Pixels.Fill((byte)(40 + n));
        return new Frame(new FrameInfo(camera, n, DateTimeOffset.UtcNow, TimeSpan.FromSeconds(n / 30.0), 160, 120), buffer);
    }

    private sealed class FakeSource(bool live) : IFrameSource
    {
        public string Uri => "fake://";
        public int Width => 160;
        public int Height => 120;
        public double FramesPerSecond => 30;
        public bool IsLive => live;

        public IAsyncEnumerable<Frame> ReadAsync(CancellationToken cancellationToken) => throw new NotSupportedException();

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }

    /// <summary>Hands out fresh arrays and counts each one's returns.</summary>
    private sealed class CountingPool : ArrayPool<byte>
    {
        private readonly Dictionary<byte[], int> _returns = new(ReferenceEqualityComparer.Instance);

        public int Rented { get; private set; }
        public int Returned => _returns.Values.Count(c => c > 0);
        public int ReturnedTwice => _returns.Values.Count(c => c > 1);

        public override byte[] Rent(int minimumLength)
        {
            lock (_returns)
            {
                var array = new byte[minimumLength];
                _returns.Add(array, 0);
                Rented++;
                return array;
            }
        }

        public override void Return(byte[] array, bool clearArray = false)
        {
            lock (_returns)
                _returns[array]++;
        }
    }
}
