namespace MaskStream.Service.Pipeline;

/// <summary>Capture → publish latencies of one reporting window, for its p50 and p99. Thread-safe; the list is reused.</summary>
internal sealed class LatencyWindow
{
    private readonly object _gate = new();
    private List<double> _current = new(1024);
    private List<double> _spare = new(1024);

    public void Add(double milliseconds)
    {
        lock (_gate)
            _current.Add(milliseconds);
    }

    /// <summary>Percentiles (nearest rank) of the window since the last call, then starts a new window; NaN when empty.</summary>
    public (double P50, double P99, int Count) TakePercentiles()
    {
        List<double> window;
        lock (_gate)
        {
            window = _current;
            _current = _spare;
            _spare = window;
        }
        if (window.Count == 0)
            return (double.NaN, double.NaN, 0);
        window.Sort();
        var result = (Percentile(window, 0.50), Percentile(window, 0.99), window.Count);
        window.Clear();
        return result;
    }

    /// <summary>Nearest-rank percentile of sorted values: the smallest value with at least p of the values at or below it.</summary>
    internal static double Percentile(IReadOnlyList<double> sorted, double p)
    {
        int rank = (int)Math.Ceiling(p * sorted.Count);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Count - 1)];
    }
}
