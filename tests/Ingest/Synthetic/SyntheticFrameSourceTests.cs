using MaskStream.Ingest.Synthetic;

namespace MaskStream.Ingest.Tests.Synthetic;

public sealed class SyntheticFrameSourceTests
{
    [Fact]
    public async Task ReadAsync_NotLive_YieldsFramesOfTheSceneWithTheirNumbers()
    {
        var options = SyntheticSceneOptions.Parse("synthetic://walkers?seed=4&size=64x48&live=false&frames=5&start=100");
        await using var source = new SyntheticFrameSource(options, "cam1");
        using var scene = new SyntheticScene(options);
        var expected = new byte[scene.FrameBytes];
        long n = 100;
        await foreach (var frame in source.ReadAsync(CancellationToken.None))
        {
            using (frame)
            {
                Assert.Equal(("cam1", n, 64, 48), (frame.Info.CameraId, frame.Info.FrameNumber, frame.Info.Width, frame.Info.Height));
                Assert.Equal(TimeSpan.FromSeconds((n - 100) / 30.0), frame.Info.Pts);
                scene.Render(n, expected);
                Assert.True(frame.Pixels.Pixels.SequenceEqual(expected));
            }
            n++;
        }
        Assert.Equal(105, n);
    }

    [Fact]
    public async Task ReadAsync_Live_WaitsOneFramePeriodBetweenFrames()
    {
        var time = new SteppingTimeProvider();
        var options = SyntheticSceneOptions.Parse("synthetic://walkers?size=64x48&fps=25&frames=4");
        await using var source = new SyntheticFrameSource(options, "cam", time);
        var numbers = new List<long>();
        await foreach (var frame in source.ReadAsync(CancellationToken.None))
            using (frame) numbers.Add(frame.Info.FrameNumber);
        Assert.Equal([0L, 1, 2, 3], numbers);
        // No wait for frame 0, then one 40 ms period before each further frame.
        Assert.Equal([TimeSpan.FromMilliseconds(40), TimeSpan.FromMilliseconds(40), TimeSpan.FromMilliseconds(40)], time.Delays);
    }

    [Fact]
    public async Task ReadAsync_LiveAndFallenBehind_SkipsToTheFrameDueNow()
    {
        var time = new SteppingTimeProvider();
        var options = SyntheticSceneOptions.Parse("synthetic://walkers?size=64x48&fps=10&frames=50");
        await using var source = new SyntheticFrameSource(options, "cam", time);
        var numbers = new List<long>();
        await foreach (var frame in source.ReadAsync(CancellationToken.None))
        {
            using (frame) numbers.Add(frame.Info.FrameNumber);
            if (numbers.Count == 2) time.Advance(TimeSpan.FromSeconds(1.05)); // a slow consumer
            if (numbers.Count == 3) break;
        }
        Assert.Equal([0L, 1, 11], numbers);
    }

    [Fact]
    public async Task ReadAsync_Cancelled_Throws()
    {
        var options = SyntheticSceneOptions.Parse("synthetic://walkers?size=64x48&live=false");
        await using var source = new SyntheticFrameSource(options, "cam");
        using var cts = new CancellationTokenSource();
        int count = 0;
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var frame in source.ReadAsync(cts.Token))
            {
                frame.Dispose();
                if (++count == 3) cts.Cancel();
            }
        });
        Assert.Equal(3, count);
    }

    /// <summary>A clock that moves only when asked, and jumps forward by each delay a timer asks for.</summary>
    private sealed class SteppingTimeProvider : TimeProvider
    {
        private long _ticks;
        public List<TimeSpan> Delays { get; } = [];

        public void Advance(TimeSpan by) => _ticks += by.Ticks;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;
        public override long GetTimestamp() => _ticks;
        public override DateTimeOffset GetUtcNow() => new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero).AddTicks(_ticks);

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            Delays.Add(dueTime);
            Advance(dueTime);
            callback(state);
            return new NoTimer();
        }

        private sealed class NoTimer : ITimer
        {
            public bool Change(TimeSpan dueTime, TimeSpan period) => true;
            public void Dispose() { }
            public ValueTask DisposeAsync() => ValueTask.CompletedTask;
        }
    }
}
