using System.Collections.Concurrent;
using MaskStream.Publish.Payloads;

namespace MaskStream.Service.Pipeline;

/// <summary>One camera's figures, written by the stages and read by the progress line and the status topic.</summary>
internal sealed class CameraCounters(string id)
{
    private readonly ConcurrentDictionary<string, long> _dropsByReason = new(StringComparer.Ordinal);
    private long _read, _processed, _failed, _published, _objects, _dropped;
    private volatile string? _lastError;
    private volatile string _state = StatusStates.Offline;
    private int _reconnects;

    public string Id { get; } = id;

    /// <summary>True while frames flow; false before the camera opens, after it ends or fails.</summary>
    public volatile bool Online;

    /// <summary>Published frames per second over the last progress window (written by the reporter).</summary>
    public double Fps;

    /// <summary>Active tracks in the camera's latest published frame.</summary>
    public volatile int Tracks;

    public long Read => Interlocked.Read(ref _read);
    public long Processed => Interlocked.Read(ref _processed);
    public long Failed => Interlocked.Read(ref _failed);
    public long Published => Interlocked.Read(ref _published);
    public long Objects => Interlocked.Read(ref _objects);
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>The camera's latest problem (passwords redacted), or null.</summary>
    public string? LastError => _lastError;

    public void CountRead() => Interlocked.Increment(ref _read);
    public void CountProcessed() => Interlocked.Increment(ref _processed);

    public void CountPublished(int objects)
    {
        Interlocked.Increment(ref _published);
        Interlocked.Add(ref _objects, objects);
    }

    public void CountDrop(string reason)
    {
        Interlocked.Increment(ref _dropped);
        _dropsByReason.AddOrUpdate(reason, 1, static (_, n) => n + 1);
    }

    /// <summary>A frame the detector could not process: counted, and its reason becomes the camera's last error.</summary>
    public void CountFailure(string error)
    {
        Interlocked.Increment(ref _failed);
        _lastError = error;
    }

    public void SetError(string error) => _lastError = error;

    public IReadOnlyDictionary<string, long> DropsByReason => _dropsByReason;

    /// <summary>The status topic's state (<see cref="StatusStates"/>): offline until the camera's feed opens.</summary>
    public string State => _state;

    /// <summary>How many times a live camera was reconnected.</summary>
    public int Reconnects => Volatile.Read(ref _reconnects);

    /// <summary>Raised when <see cref="State"/> changes (the status topic is published at once, not only every 5 s).</summary>
    public event Action<CameraCounters>? StateChanged;

    /// <summary>Sets the state (and <see cref="Online"/> with it), the last error when one is given, and the reconnect count.</summary>
    public void SetState(string state, string? error = null, int? reconnects = null)
    {
        if (error is not null)
            _lastError = error;
        if (reconnects is { } n)
            Volatile.Write(ref _reconnects, n);
        Online = state == StatusStates.Online;
        if (_state == state)
            return;
        _state = state;
        StateChanged?.Invoke(this);
    }
}
