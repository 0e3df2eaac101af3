using System.Diagnostics;
using System.Diagnostics.Metrics;
using MaskStream.Service.Pipeline;

namespace MaskStream.Service.Cli;

/// <summary>
/// Listens to the pipeline's own end-to-end histogram (<c>maskstream.frame.latency</c>, recorded by the publish stage
/// once per frame) so the bench measures what the service measures, with no extra hook in the stages. It also notes
/// when each frame left and the process's allocation count at that moment, for the steady-state window.
/// </summary>
internal sealed class BenchRecorder : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly Histogram<double> _latency;
    private readonly Histogram<double>[] _stages;
    private readonly double[] _stageSeconds;
    private readonly long[] _stageCounts;
    private readonly List<double> _latencies;
    private readonly int _warmup;
    private long _firstTimestamp, _lastTimestamp, _warmTimestamp;
    private long _allocatedAtWarm, _allocatedAtLast;

    /// <param name="warmup">Frames published before the allocation window opens (JIT, pools and buffers filling).</param>
    /// <param name="stages">Per-stage duration histograms (seconds) whose totals are kept, to show where a frame's time goes.</param>
    public BenchRecorder(Histogram<double> latency, Histogram<double>[] stages, int warmup, int expectedFrames)
    {
        _latency = latency;
        _stages = stages;
        _stageSeconds = new double[stages.Length];
        _stageCounts = new long[stages.Length];
        _warmup = warmup;
        _latencies = new List<double>(Math.Max(1024, expectedFrames));
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (ReferenceEquals(instrument, latency) || Array.IndexOf(stages, instrument) >= 0)
                listener.EnableMeasurementEvents(instrument);
        };
        _listener.SetMeasurementEventCallback<double>(OnLatency);
        _listener.Start();
    }

    /// <summary>Frames published so far (the publish stage is the only writer; read after the pipeline has stopped).</summary>
    public int Count => _latencies.Count;

    public long FirstTimestamp => _firstTimestamp;

    public long LastTimestamp => _lastTimestamp;

    /// <summary>Managed bytes allocated per published frame after the first <c>warmup</c> frames, by the whole process
    /// (reader, stages, MQTT client and the in-process broker); NaN when too few frames were published.</summary>
    public double AllocatedPerFrame
    {
        get
        {
            int frames = _latencies.Count - _warmup;
            return frames > 0 ? (double)(_allocatedAtLast - _allocatedAtWarm) / frames : double.NaN;
        }
    }

    /// <summary>Published frames per second after the warm-up frames; NaN when too few.</summary>
    public double SteadyFps
    {
        get
        {
            int frames = _latencies.Count - _warmup;
            double seconds = Stopwatch.GetElapsedTime(_warmTimestamp, _lastTimestamp).TotalSeconds;
            return frames > 0 && seconds > 0 ? frames / seconds : double.NaN;
        }
    }

    /// <summary>Capture → publish latency percentiles (nearest rank) in milliseconds; NaN when nothing was published.</summary>
    public (double P50, double P99) Percentiles()
    {
        if (_latencies.Count == 0)
            return (double.NaN, double.NaN);
        var sorted = _latencies.ToArray();
        Array.Sort(sorted);
        return (LatencyWindow.Percentile(sorted, 0.50), LatencyWindow.Percentile(sorted, 0.99));
    }

    /// <summary>Mean milliseconds per recording of each stage histogram (per call for the detector, per frame for the
    /// others), in the order given; NaN for a stage never recorded.</summary>
    public double[] StageMeansMs()
    {
        var means = new double[_stages.Length];
        for (int i = 0; i < means.Length; i++)
            means[i] = _stageCounts[i] > 0 ? _stageSeconds[i] * 1000 / _stageCounts[i] : double.NaN;
        return means;
    }

    /// <summary>How many times stage <paramref name="index"/>'s histogram was recorded.</summary>
    public long StageCount(int index) => _stageCounts[index];

    public void Dispose() => _listener.Dispose();

    private void OnLatency(Instrument instrument, double seconds, ReadOnlySpan<KeyValuePair<string, object?>> tags, object? state)
    {
        if (!ReferenceEquals(instrument, _latency))
        {
            // Each stage histogram is recorded by its own stage's single thread.
            int i = Array.IndexOf(_stages, instrument);
            _stageSeconds[i] += seconds;
            _stageCounts[i]++;
            return;
        }
        // Only the publish stage records this histogram, from one thread: no lock needed, and nothing allocated here
        // (the list was sized for the run) so the window measures the pipeline, not the bench.
        long now = Stopwatch.GetTimestamp();
        long allocated = GC.GetTotalAllocatedBytes(precise: false);
        if (_latencies.Count == 0)
            _firstTimestamp = now;
        _latencies.Add(seconds * 1000);
        _lastTimestamp = now;
        _allocatedAtLast = allocated;
        if (_latencies.Count == _warmup)
        {
            _warmTimestamp = now;
            _allocatedAtWarm = allocated;
        }
    }
}
