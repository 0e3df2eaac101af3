namespace MaskStream.Publish.Mqtt;

/// <summary>Capped exponential back-off with "equal jitter": half the step is fixed, half random, so a fleet of
/// instances that lost the same broker does not reconnect in lock-step, yet no delay collapses to zero.</summary>
public static class ReconnectBackoff
{
    /// <param name="attempt">0 for the first retry after a failure.</param>
    /// <returns>min·2^attempt capped at max, times a factor in [0.5, 1).</returns>
    public static TimeSpan Delay(int attempt, TimeSpan min, TimeSpan max, Random random)
    {
        var exponent = Math.Clamp(attempt, 0, 30);
        var step = Math.Min(min.TotalMilliseconds * Math.Pow(2, exponent), max.TotalMilliseconds);
        return TimeSpan.FromMilliseconds(step * (0.5 + 0.5 * random.NextDouble()));
    }
}
