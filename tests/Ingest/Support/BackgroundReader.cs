using System.Collections.Concurrent;
using System.Diagnostics;
using MaskStream.Core.Frames;
using MaskStream.Ingest.Supervision;

namespace MaskStream.Ingest.Tests.Support;

/// <summary>Reads a supervised source in the background as the service would (every frame disposed), keeping each
/// frame's metadata, every status change, and the ffmpeg processes it saw, until disposed.</summary>
internal sealed class BackgroundReader : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentQueue<FrameInfo> _frames = new();
    private readonly ConcurrentQueue<SourceStatus> _statuses = new();
    private readonly HashSet<int> _processes = [];
    private readonly Task _reading;

    public BackgroundReader(SupervisedSource source)
    {
        Source = source;
        _statuses.Enqueue(source.Status);
        source.StatusChanged += _statuses.Enqueue;
        _reading = Task.Run(async () =>
        {
            try
            {
                await foreach (var frame in source.ReadAsync(_stop.Token))
                {
                    using (frame)
                        _frames.Enqueue(frame.Info);
                    NoteProcess();
                }
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
            }
        });
    }

    public SupervisedSource Source { get; }
    public IReadOnlyList<FrameInfo> Frames => _frames.ToArray();
    public IReadOnlyList<SourceStatus> Statuses => _statuses.ToArray();

    /// <summary>The ffmpeg processes this reader ran (noted as frames came and while waiting).</summary>
    public IReadOnlyCollection<int> Processes
    {
        get
        {
            lock (_processes)
                return _processes.ToArray();
        }
    }

    public string Describe() => $"statuses: {string.Join(" → ", Statuses.Select(s => $"{s.State} ({s.Reconnects}) {s.LastError}"))}; {Frames.Count} frames";

    public async Task<SourceStatus> WaitForAsync(Func<SourceStatus, bool> condition, TimeSpan timeout, string what)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            NoteProcess();
            foreach (var s in _statuses)
            {
                if (condition(s))
                    return s;
            }
            if (clock.Elapsed > timeout || _reading.IsCompleted)
                throw new TimeoutException($"{what} not seen within {timeout.TotalSeconds} s; {Describe()}");
            await Task.Delay(20);
        }
    }

    public async Task WaitForFramesAsync(int count, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (_frames.Count < count)
        {
            NoteProcess();
            if (clock.Elapsed > timeout || _reading.IsCompleted)
                throw new TimeoutException($"{count} frames not read within {timeout.TotalSeconds} s; {Describe()}");
            await Task.Delay(20);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _reading.WaitAsync(TimeSpan.FromSeconds(10));
        _stop.Dispose();
    }

    private void NoteProcess()
    {
        if (Source.Current is MaskStream.Ingest.Streams.FfmpegSource { ProcessId: > 0 and var pid })
        {
            lock (_processes)
                _processes.Add(pid);
        }
    }
}
