using System.Text.Json;
using MaskStream.Core.Objects;
using MaskStream.Publish.Payloads;
using MQTTnet.Protocol;

namespace MaskStream.Publish.Mqtt;

/// <summary>Publishes MaskStream's topics through one MQTTnet 5 client and our own bounded outbox (DESIGN.md, "MQTT
/// delivery"): a fixed client id with a persistent session, in flight ≤ the broker's Receive Maximum, a time-out per
/// publish that forces a reconnect, unacknowledged messages re-published in order after a reconnect, overflow dropped
/// by <see cref="MqttOptions.OverflowPolicy"/> and counted, jittered back-off, and a refusal for bad credentials
/// reported once instead of retried forever.</summary>
/// <remarks>Publish methods are thread-safe and never block: they encode, copy and enqueue.</remarks>
public sealed partial class MqttPublisher : IAsyncDisposable
{
    private readonly MqttOptions _options;
    private readonly TimeProvider _time;
    private readonly Random _random;
    private readonly MqttOutbox _outbox;
    private readonly ObjectsEncoder _encoder;
    private readonly object _encoderGate = new();
    private readonly MqttQualityOfServiceLevel _qos;
    private readonly SemaphoreSlim _wake = new(0, int.MaxValue);
    private readonly TextWriter _log;
    private readonly TaskCompletionSource _firstAttempt = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task? _loop;
    private long _published;
    private long _dropped;
    private long _failures;
    private long _connects;
    private volatile PublisherState _state = PublisherState.Created;
    private volatile string? _lastError;

    /// <param name="options">Validated <c>Mqtt</c> section.</param>
    /// <param name="classNames">The model's classes by id, for the <c>class</c> field.</param>
    /// <param name="instanceId"><c>Service:InstanceId</c>; when set, the service status topic carries it.</param>
    /// <param name="timeProvider">Clock for latency, time-outs and back-off delays.</param>
    /// <param name="random">Jitter source (seeded in tests).</param>
    /// <param name="log">Where the publisher's rare log lines go (what a stop had to drop); standard error by default.</param>
    public MqttPublisher(MqttOptions options, IReadOnlyList<string> classNames, string? instanceId = null,
        TimeProvider? timeProvider = null, Random? random = null, TextWriter? log = null)
    {
        options.ThrowIfInvalid();
        _options = options;
        _time = timeProvider ?? TimeProvider.System;
        _random = random ?? Random.Shared;
        _log = log ?? Console.Error;
        _stop = new CancellationTokenSource(Timeout.InfiniteTimeSpan, _time);
        InstanceId = instanceId ?? Environment.MachineName;
        ClientId = options.ResolveClientId(InstanceId);
        Topics = new Topics(options.TopicPrefix, instanceId);
        BootId = Guid.NewGuid();
        _encoder = new ObjectsEncoder(classNames, BootId);
        _outbox = new MqttOutbox(options.OutboxCapacity, options.OverflowPolicy);
        _qos = (MqttQualityOfServiceLevel)options.Qos;
        Broker = $"{options.Host}:{options.Port}";
    }

    public Topics Topics { get; }
    public Guid BootId { get; }
    public string InstanceId { get; }
    public string ClientId { get; }

    /// <summary>host:port, as every error message names it.</summary>
    public string Broker { get; }

    public PublisherState State => _state;

    /// <summary>The latest connection problem, or null.</summary>
    public string? LastError => _lastError;

    /// <summary>Raised on every state change with <see cref="LastError"/>; runs on the connection loop, so keep it short.</summary>
    public event Action<PublisherState, string?>? StateChanged;

    /// <summary>Messages acknowledged by the broker (sent, at QoS 0).</summary>
    public long PublishedCount => Interlocked.Read(ref _published);

    /// <summary>Messages given up for any reason (outbox full, rejected by the broker, left at shutdown).</summary>
    public long DroppedCount => Interlocked.Read(ref _dropped);

    /// <summary>Failed connection attempts, lost connections and publish time-outs.</summary>
    public long FailureCount => Interlocked.Read(ref _failures);

    public long ConnectCount => Interlocked.Read(ref _connects);

    /// <summary>Messages queued or in flight.</summary>
    public int OutboxDepth => _outbox.Count;

    /// <summary>In-flight limit of the current connection: <see cref="MqttOptions.MaxInFlight"/> capped by the broker's Receive Maximum.</summary>
    public int InFlightLimit { get; private set; }

    /// <summary>Starts the connection loop and waits for the first attempt. A broker that is down is not an error
    /// (messages wait in the outbox); a broker that refuses us is: <see cref="MqttBrokerRefusedException"/>.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (_loop is not null)
            throw new InvalidOperationException("The publisher is already started.");
        _loop = Task.Run(() => RunAsync(_stop.Token), CancellationToken.None);
        await _firstAttempt.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Queues one frame's objects message on <c>{prefix}/{camera}/objects</c>. False when the outbox dropped it.</summary>
    public bool PublishObjects(TrackedFrame frame)
    {
        byte[] payload;
        lock (_encoderGate)
            payload = _encoder.Encode(frame, _time.GetUtcNow()).ToArray();
        return Enqueue(new OutboxMessage(Topics.Objects(frame.Info.CameraId), payload, _qos, Retain: false));
    }

    /// <summary>Queues the retained status of a camera (QoS at least 1: a retained status must not be lost).</summary>
    /// <param name="reconnects">How many times the camera was reconnected (or retried) so far.</param>
    public bool PublishCameraStatus(string camera, string state, double fps, string? lastError, int reconnects = 0)
    {
        var message = new CameraStatusMessage(camera, state, fps, lastError, InstanceId, _time.GetUtcNow().UtcDateTime, reconnects);
        var payload = JsonSerializer.SerializeToUtf8Bytes(message, PayloadJsonContext.Default.CameraStatusMessage);
        return Enqueue(new OutboxMessage(Topics.CameraStatus(camera), payload, AtLeastOnce(_qos), Retain: true));
    }

    /// <summary>Queues a track start/end event on <c>{prefix}/{camera}/events</c>.</summary>
    public bool PublishTrackEvent(TrackEventMessage trackEvent)
    {
        var payload = JsonSerializer.SerializeToUtf8Bytes(trackEvent, PayloadJsonContext.Default.TrackEventMessage);
        return Enqueue(new OutboxMessage(Topics.Events(trackEvent.Camera), payload, AtLeastOnce(_qos), Retain: false));
    }

    /// <summary>Name of a class id as the objects payload writes it.</summary>
    public string ClassNameOf(int classId)
    {
        lock (_encoderGate)
            return _encoder.ClassNameOf(classId);
    }

    /// <summary>Waits until every queued message is acknowledged; false when <paramref name="timeout"/> ran out first.</summary>
    public async Task<bool> FlushAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var started = _time.GetTimestamp();
        while (_outbox.Count > 0)
        {
            if (_time.GetElapsedTime(started) >= timeout || _state is PublisherState.Failed or PublisherState.Stopped)
                return false;
            await Task.Delay(TimeSpan.FromMilliseconds(10), _time, cancellationToken).ConfigureAwait(false);
        }
        return true;
    }

    public async ValueTask DisposeAsync()
    {
        if (_state != PublisherState.Stopped)
            await StopAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        _stop.Dispose();
        _stopping.Dispose();
    }

    internal bool Enqueue(OutboxMessage message)
    {
        if (_state is PublisherState.Failed or PublisherState.Stopped)
        {
            CountDrops(1, _state == PublisherState.Failed ? "broker_refused" : "shutdown");
            return false;
        }
        var dropped = _outbox.Enqueue(message);
        if (!ReferenceEquals(dropped, message))
            PublishMetrics.OutboxDepth.Add(1, PublishMetrics.Tags(ClientId));
        if (dropped is not null)
        {
            if (!ReferenceEquals(dropped, message))
                PublishMetrics.OutboxDepth.Add(-1, PublishMetrics.Tags(ClientId));
            CountDrops(1, "outbox_full");
        }
        _wake.Release();
        return !ReferenceEquals(dropped, message);
    }

    private void CountDrops(int n, string reason)
    {
        Interlocked.Add(ref _dropped, n);
        PublishMetrics.Dropped.Add(n, PublishMetrics.Tags(ClientId, reason));
    }

    private void CountFailure(string reason, string error)
    {
        Interlocked.Increment(ref _failures);
        PublishMetrics.Failures.Add(1, PublishMetrics.Tags(ClientId, reason));
        _lastError = error;
    }

    private void SetState(PublisherState state, string? error)
    {
        if (_state == state && error == _lastError)
            return;
        _state = state;
        _lastError = error;
        try
        {
            StateChanged?.Invoke(state, error);
        }
        catch (Exception)
        {
            // A throwing observer must not take the connection loop down (OpenTelemetry's rule for user callbacks).
        }
    }

    private static MqttQualityOfServiceLevel AtLeastOnce(MqttQualityOfServiceLevel qos) =>
        qos == MqttQualityOfServiceLevel.AtMostOnce ? MqttQualityOfServiceLevel.AtLeastOnce : qos;
}
