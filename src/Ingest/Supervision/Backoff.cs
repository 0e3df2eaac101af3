namespace MaskStream.Ingest.Supervision;

/// <summary>Reconnect delays: exponential from a minimum to a maximum, with jitter so that cameras that fell over
/// together (a switch rebooted) do not all knock again at the same instant.</summary>
public static class Backoff
{
    /// <param name="failures">Failed attempts since the source was last online (0 for the first retry).</param>
    /// <param name="random">Uniform in [0, 1): the delay is drawn from [d/2, d) ("equal jitter"), d = min·2^failures capped at max.</param>
    public static TimeSpan Delay(int failures, TimeSpan min, TimeSpan max, double random)
    {
        double ceiling = Math.Min(max.TotalMilliseconds, min.TotalMilliseconds * Math.Pow(2, Math.Min(failures, 30)));
        return TimeSpan.FromMilliseconds(ceiling * (0.5 + 0.5 * random));
    }
}
