using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using MQTTnet;
using MQTTnet.Server;

namespace MaskStream.Publish;

/// <summary>The MQTTnet broker that runs inside the service when <c>Mqtt:Mode</c> is <c>Embedded</c>: loopback only by
/// default, so nothing is exposed until someone points <c>Mqtt:Host</c> elsewhere.</summary>
public sealed class EmbeddedBroker : IAsyncDisposable
{
    private MqttServer _server;
    private readonly IPAddress _address;
    private readonly int _maxPendingPerClient;
    private readonly bool _anyPort;
    private readonly HashSet<string> _filters = new(StringComparer.Ordinal);
    private readonly List<(string Topic, TaskCompletionSource Done)> _waiters = [];

    /// <summary>Messages a subscriber may fall behind by (per client) unless the constructor is told otherwise.</summary>
    public const int DefaultMaxPendingPerClient = 10_000;

    private long _droppedForSlowSubscribers;

    /// <param name="host">Address to bind (an IP literal; "localhost" means 127.0.0.1).</param>
    /// <param name="port">TCP port; 0 picks a free one (tests), see <see cref="Port"/>.</param>
    /// <param name="maxPendingPerClient">
    /// How many messages may wait for one subscriber that reads slower than the service publishes (MQTTnet's default, 250,
    /// is a burst of a few seconds of one busy camera); past it the oldest waiting message is dropped and counted in
    /// <see cref="DroppedForSlowSubscribers"/>. The service passes its outbox capacity (<c>Mqtt:OutboxCapacity</c>).
    /// </param>
    public EmbeddedBroker(string host = "127.0.0.1", int port = 1883, int maxPendingPerClient = DefaultMaxPendingPerClient)
    {
        if (maxPendingPerClient < 1)
            throw new ArgumentOutOfRangeException(nameof(maxPendingPerClient), maxPendingPerClient, "at least 1");
        if (port is < 0 or > 65535)
            throw new ArgumentOutOfRangeException(nameof(port), port, "Mqtt:Port must be in 1..65535 (0 = any free port)");
        var address = host == "localhost" ? IPAddress.Loopback
            : IPAddress.TryParse(host, out var parsed) ? parsed
            : throw new ArgumentException($"Mqtt:Host = '{host}': the embedded broker binds an IP address (e.g. 127.0.0.1 or 0.0.0.0)", nameof(host));
        Host = address.ToString();
        _address = address;
        _maxPendingPerClient = maxPendingPerClient;
        _anyPort = port == 0;
        Port = _anyPort ? FreePort(address) : port;
        _server = CreateServer();
    }

    private MqttServer CreateServer()
    {
        var factory = new MqttServerFactory();
        var options = factory.CreateServerOptionsBuilder()
            .WithDefaultEndpoint()
            .WithDefaultEndpointBoundIPAddress(_address)
            .WithDefaultEndpointPort(Port)
            .WithPersistentSessions()
            .WithMaxPendingMessagesPerClient(_maxPendingPerClient)
            .WithPendingMessagesOverflowStrategy(MqttPendingMessagesOverflowStrategy.DropOldestQueuedMessage)
            .Build();
        var server = factory.CreateMqttServer(options);
        server.ClientSubscribedTopicAsync += OnClientSubscribedAsync;
        var endpointTag = new TagList { { "endpoint", $"{Host}:{Port}" } };
        server.QueuedApplicationMessageOverwrittenAsync += _ =>
        {
            Interlocked.Increment(ref _droppedForSlowSubscribers);
            PublishMetrics.BrokerDropped.Add(1, endpointTag);
            return Task.CompletedTask;
        };
        return server;
    }

    /// <summary>Raised (on MQTTnet's thread) with the client id and topic filter each time a client subscribes.</summary>
    public event Action<string, string>? ClientSubscribed;

    public string Host { get; }

    /// <summary>The port actually bound (with port 0, known before <see cref="StartAsync"/> and final after it).</summary>
    public int Port { get; private set; }

    public bool IsStarted => _server.IsStarted;

    /// <summary>Messages dropped because a subscriber fell more than the per-client bound behind (the oldest go first); also
    /// the metric <c>maskstream.mqtt.broker.messages.dropped</c>, tagged with this broker's <c>endpoint</c> (host:port).</summary>
    public long DroppedForSlowSubscribers => Interlocked.Read(ref _droppedForSlowSubscribers);

    public async Task StartAsync()
    {
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                await _server.StartAsync().ConfigureAwait(false);
                return;
            }
            catch (SocketException e) when (_anyPort && attempt < 5 && e.SocketErrorCode == SocketError.AddressAlreadyInUse)
            {
                // The free port we were given was taken before MQTTnet bound it (often as some client's ephemeral source
                // port): take another.
                _server.Dispose();
                Port = FreePort(_address);
                _server = CreateServer();
            }
            catch (SocketException e)
            {
                throw new InvalidOperationException(
                    $"embedded MQTT broker cannot listen on {Host}:{Port}: {e.Message} (another broker running? set Mqtt:Port or Mqtt:Mode = External)", e);
            }
        }
    }

    /// <summary>
    /// Completes once some client has subscribed with a filter that matches <paramref name="topic"/> (a topic name such
    /// as <c>maskstream/door/objects</c>, no wildcards), including subscriptions made before the call: a consumer will
    /// receive what is published there from now on. Lets tests and tools start publishing when someone listens rather
    /// than after a fixed <c>Service:StartDelay</c>. Unsubscribing later does not undo it.
    /// </summary>
    public Task WaitForSubscriberAsync(string topic, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(topic);
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_waiters)
        {
            if (AnyFilterMatches(topic))
                return Task.CompletedTask;
            _waiters.Add((topic, done));
        }
        return done.Task.WaitAsync(cancellationToken);
    }

    private Task OnClientSubscribedAsync(ClientSubscribedTopicEventArgs e)
    {
        var filter = e.TopicFilter.Topic;
        lock (_waiters)
        {
            _filters.Add(filter);
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (MqttTopicFilterComparer.Compare(_waiters[i].Topic, filter) == MqttTopicFilterCompareResult.IsMatch)
                {
                    _waiters[i].Done.TrySetResult();
                    _waiters.RemoveAt(i);
                }
            }
        }
        ClientSubscribed?.Invoke(e.ClientId, filter);
        return Task.CompletedTask;
    }

    private bool AnyFilterMatches(string topic)
    {
        foreach (var filter in _filters)
        {
            if (MqttTopicFilterComparer.Compare(topic, filter) == MqttTopicFilterCompareResult.IsMatch)
                return true;
        }
        return false;
    }

    /// <summary>How long <see cref="StopAsync"/> waits at most, by default, for connected subscribers to be sent what is queued for them.</summary>
    public static readonly TimeSpan DefaultDrainBound = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Stops the broker once every connected client has been sent the messages queued for it, or after
    /// <paramref name="drainBound"/> (<see cref="DefaultDrainBound"/> when null). The broker goes with the process: stopped at
    /// once, it dropped what the service published last (its final frames, its offline status) for subscribers that had not
    /// been sent it yet. Sessions of clients that are gone are not waited for (nothing would take their messages).
    /// </summary>
    public async Task StopAsync(TimeSpan? drainBound = null)
    {
        if (!_server.IsStarted) return;
        var bound = drainBound ?? DefaultDrainBound;
        var waited = Stopwatch.StartNew();
        while (waited.Elapsed < bound && await PendingForConnectedClientsAsync().ConfigureAwait(false) > 0)
            await Task.Delay(20).ConfigureAwait(false);
        // Queued is not delivered: what was sent may still sit in the subscriber's socket, unread, and a QoS 1 subscriber
        // acknowledges each message as it reads it. Closing while those acknowledgements arrive resets the connection (the
        // broker's side has unread data), and the subscriber may lose what it had not read yet: a loaded CI machine's
        // mosquitto_sub lost the last 60 of 1,500 frames and the offline status with the queues already empty, most likely
        // that way (not reproduced on demand). So also wait until every connected client has been quiet (nothing sent to
        // it, nothing received from it) for a moment.
        while (waited.Elapsed < bound && !await ConnectedClientsQuietAsync(QuietBeforeStop).ConfigureAwait(false))
            await Task.Delay(20).ConfigureAwait(false);
        await _server.StopAsync(new MqttServerStopOptions()).ConfigureAwait(false);
    }

    /// <summary>How long every connected client must have exchanged nothing with the broker before it stops.</summary>
    private static readonly TimeSpan QuietBeforeStop = TimeSpan.FromMilliseconds(300);

    private async Task<bool> ConnectedClientsQuietAsync(TimeSpan quiet)
    {
        foreach (var client in await _server.GetClientsAsync().ConfigureAwait(false))
        {
            if (Since(client.LastPacketReceivedTimestamp) < quiet || Since(client.LastPacketSentTimestamp) < quiet)
                return false;
        }
        return true;
    }

    private static TimeSpan Since(DateTime timestamp) =>
        (timestamp.Kind == DateTimeKind.Local ? DateTime.Now : DateTime.UtcNow) - timestamp;

    private async Task<long> PendingForConnectedClientsAsync()
    {
        var connected = new HashSet<string>(StringComparer.Ordinal);
        foreach (var client in await _server.GetClientsAsync().ConfigureAwait(false))
            connected.Add(client.Id);
        long pending = 0;
        foreach (var session in await _server.GetSessionsAsync().ConfigureAwait(false))
            if (connected.Contains(session.Id))
                pending += session.PendingApplicationMessagesCount;
        return pending;
    }

    /// <summary>Whether a client with this id is connected now (tests wait on it: a session is queued for only once its
    /// client is gone).</summary>
    internal async Task<bool> IsConnectedAsync(string clientId)
    {
        foreach (var client in await _server.GetClientsAsync().ConfigureAwait(false))
            if (client.Id == clientId)
                return true;
        return false;
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        _server.Dispose();
    }

    // MQTTnet does not report the port it bound, so ask the OS for a free one first; StartAsync takes another if the port
    // is gone by the time MQTTnet binds it.
    private static int FreePort(IPAddress address)
    {
        using var listener = new TcpListener(address, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
