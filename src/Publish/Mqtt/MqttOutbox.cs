namespace MaskStream.Publish.Mqtt;

/// <summary>The bounded queue between <c>Publish…</c> calls and the connection loop. Capacity counts queued and
/// in-flight messages together; overflow drops a queued message (never one in flight) or the new one, per policy.
/// Thread-safe: producers enqueue, the one connection loop takes, acknowledges and requeues.</summary>
internal sealed class MqttOutbox(int capacity, OutboxOverflowPolicy policy)
{
    private readonly object _gate = new();
    private readonly RingQueue<OutboxMessage> _queued = new();
    private int _inFlight;

    public int Capacity { get; } = capacity;

    /// <summary>Queued plus in flight.</summary>
    public int Count
    {
        get { lock (_gate) return _queued.Count + _inFlight; }
    }

    public int QueuedCount
    {
        get { lock (_gate) return _queued.Count; }
    }

    /// <summary>Adds <paramref name="message"/> at the back. Returns the message given up to make room (the oldest queued
    /// one, or <paramref name="message"/> itself), or null when nothing was dropped.</summary>
    public OutboxMessage? Enqueue(OutboxMessage message)
    {
        lock (_gate)
        {
            if (_queued.Count + _inFlight < Capacity)
            {
                _queued.PushBack(message);
                return null;
            }
            if (policy == OutboxOverflowPolicy.DropOldest && _queued.Count > 0)
            {
                var oldest = _queued.PopFront();
                _queued.PushBack(message);
                return oldest;
            }
            return message;
        }
    }

    /// <summary>Takes the oldest queued message and counts it as in flight.</summary>
    public bool TryTake(out OutboxMessage message)
    {
        lock (_gate)
        {
            if (_queued.Count == 0)
            {
                message = null!;
                return false;
            }
            message = _queued.PopFront();
            _inFlight++;
            return true;
        }
    }

    /// <summary>An in-flight message was acknowledged (or rejected for good): it leaves the outbox.</summary>
    public void Complete()
    {
        lock (_gate) _inFlight--;
    }

    /// <summary>After a lost connection: the unacknowledged messages, oldest first, go back in front of the queue so they
    /// are re-published before anything newer.</summary>
    public void Requeue(IReadOnlyList<OutboxMessage> inFlightOldestFirst)
    {
        lock (_gate)
        {
            for (var i = inFlightOldestFirst.Count - 1; i >= 0; i--)
                _queued.PushFront(inFlightOldestFirst[i]);
            _inFlight -= inFlightOldestFirst.Count;
        }
    }

    /// <summary>Empties the queue (shutdown); returns how many messages were removed.</summary>
    public int Clear()
    {
        lock (_gate)
        {
            var n = _queued.Count;
            _queued.Clear();
            return n;
        }
    }
}
