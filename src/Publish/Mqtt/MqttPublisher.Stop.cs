using System.Globalization;

namespace MaskStream.Publish.Mqtt;

// Stopping within a bound: the connection loop keeps going (reconnecting if the broker is away) until the outbox is
// empty or the bound runs out, then says goodbye; what is left is dropped, counted and logged once.
public sealed partial class MqttPublisher
{
    /// <summary>The offline status and DISCONNECT get at least this long, even when the bound has run out: a stop
    /// may overrun its bound by this much (plus the time to close a socket).</summary>
    internal static readonly TimeSpan StopGrace = TimeSpan.FromMilliseconds(500);

    /// <summary>Shortest back-off during a stop: halving the time left would otherwise retry in a burst just before the bound.</summary>
    private static readonly TimeSpan StopRetryFloor = TimeSpan.FromMilliseconds(100);

    /// <summary>Hard stop: cancelled when the bound runs out (connect, publish and back-off waits end at once).</summary>
    private readonly CancellationTokenSource _stop;

    /// <summary>Soft stop: cancelled when <see cref="StopAsync"/> starts; the loop flushes, then says goodbye.</summary>
    private readonly CancellationTokenSource _stopping = new();

    private Task? _stopTask;
    private long _stopStarted;
    private TimeSpan _stopBound;

    /// <summary>Delivers what the outbox holds, in order, for up to <paramref name="drainTimeout"/> — reconnecting meanwhile
    /// if the broker is away — then publishes the retained offline status (reason <c>shutdown</c>) last and disconnects
    /// cleanly, so the broker does not send the last will. Whatever is still unacknowledged when the bound runs out is
    /// dropped, counted (reason <c>shutdown</c>) and reported in one log line. Returns within the bound plus
    /// <see cref="StopGrace"/>. A second call waits for the first.</summary>
    public Task StopAsync(TimeSpan drainTimeout)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (Interlocked.CompareExchange(ref _stopTask, done.Task, null) is { } running)
            return running;
        return StopOnceAsync(drainTimeout < TimeSpan.Zero ? TimeSpan.Zero : drainTimeout, done);
    }

    private async Task StopOnceAsync(TimeSpan bound, TaskCompletionSource done)
    {
        try
        {
            _stopBound = bound;
            _stopStarted = _time.GetTimestamp();
            _stop.CancelAfter(bound);
            await _stopping.CancelAsync().ConfigureAwait(false);
            _wake.Release();
            if (_loop is not null)
                await WaitForLoopAsync(_loop, bound).ConfigureAwait(false);

            // The loop put every unacknowledged message back in the queue before it ended.
            var left = _outbox.Clear();
            if (left > 0)
            {
                CountDrops(left, "shutdown");
                PublishMetrics.OutboxDepth.Add(-left, PublishMetrics.Tags(ClientId));
                Log(string.Create(CultureInfo.InvariantCulture,
                    $"maskstream: MQTT: dropped {left} message{(left == 1 ? "" : "s")} (reason shutdown) not delivered to broker {Broker} within the {bound.TotalSeconds:0.###} s stop bound") +
                    (_lastError is null ? "" : $"; last error: {_lastError}"));
            }
            SetState(PublisherState.Stopped, _lastError);
            done.SetResult();
        }
        catch (Exception e)
        {
            done.SetException(e);
            throw;
        }
    }

    /// <summary>Every step of the loop ends at the bound (the hard token) or after <see cref="StopGrace"/>; the extra
    /// second only covers a dependency that ignores its cancellation token, so a stop can never hang.</summary>
    private async Task WaitForLoopAsync(Task loop, TimeSpan bound)
    {
        try
        {
            await loop.WaitAsync(bound + StopGrace + TimeSpan.FromSeconds(1), _time).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            _lastError = $"the MQTT connection loop for {Broker} did not end within its stop bound";
        }
    }

    private bool Stopping => _stopping.IsCancellationRequested;

    /// <summary>Time left before the stop bound, never negative; only the stop path reads it.</summary>
    private TimeSpan StopTimeLeft
    {
        get
        {
            var left = _stopBound - _time.GetElapsedTime(_stopStarted);
            return left > TimeSpan.Zero ? left : TimeSpan.Zero;
        }
    }

    /// <summary>Waits out a reconnect delay. Once a stop has begun the back-off still applies, but no wait is longer than
    /// half the time left to the bound (or <see cref="StopRetryFloor"/>, whichever is longer), so a broker that comes back
    /// during the stop is tried again in time to flush; <paramref name="stop"/> ends any wait at the bound.</summary>
    private async Task BackOffAsync(TimeSpan delay, CancellationToken stop)
    {
        var started = _time.GetTimestamp();
        if (!Stopping)
        {
            try
            {
                await Task.Delay(delay, _time, _stopping.Token).ConfigureAwait(false);
                return;
            }
            catch (OperationCanceledException)
            {
                // A stop began during the wait: shorten what is left of it below.
            }
        }
        var rest = delay - _time.GetElapsedTime(started);
        var cap = StopTimeLeft / 2;
        if (cap < StopRetryFloor)
            cap = StopRetryFloor;
        if (rest > cap)
            rest = cap;
        if (rest <= TimeSpan.Zero)
            return;
        try
        {
            await Task.Delay(rest, _time, stop).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // The bound ran out.
        }
    }

    private void Log(string line)
    {
        try
        {
            _log.WriteLine(line);
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            // A closed log must not fail the stop.
        }
    }
}
