using System.Diagnostics;

namespace MaskStream.Service.Telemetry;

/// <summary>Whether a pipeline stage is inside one unit of work (a detector batch, a tracker update, a publish), and
/// since when: a unit that never ends is how a wedged stage shows. Lock-free; written by the stage, read by /healthz.</summary>
internal sealed class StageActivity(string name)
{
    private long _busySince;

    public string Name { get; } = name;

    public void Begin() => Volatile.Write(ref _busySince, Stopwatch.GetTimestamp());

    public void End() => Volatile.Write(ref _busySince, 0);

    /// <summary>How long the current unit of work has run; zero when the stage is idle.</summary>
    public TimeSpan BusyFor
    {
        get
        {
            long since = Volatile.Read(ref _busySince);
            return since == 0 ? TimeSpan.Zero : Stopwatch.GetElapsedTime(since);
        }
    }
}
