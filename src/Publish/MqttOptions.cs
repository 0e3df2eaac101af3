namespace MaskStream.Publish;

/// <summary>Where the broker runs.</summary>
public enum MqttMode
{
    /// <summary>An MQTTnet broker inside the service, on <see cref="MqttOptions.Host"/>:<see cref="MqttOptions.Port"/>.</summary>
    Embedded,
    /// <summary>A broker run by someone else (mosquitto, EMQX, HiveMQ…), reached over TCP, optionally with TLS.</summary>
    External,
}

/// <summary>What the outbox gives up when it is full.</summary>
public enum OutboxOverflowPolicy
{
    /// <summary>Drop the oldest message that is not in flight: consumers see the newest frames first after an outage.</summary>
    DropOldest,
    /// <summary>Refuse the new message: consumers see a contiguous run from the start of the outage.</summary>
    DropNewest,
}

/// <summary>The <c>Mqtt</c> configuration section. Defaults make the embedded broker work with no settings.</summary>
public sealed record MqttOptions
{
    public const string Section = "Mqtt";

    public MqttMode Mode { get; init; } = MqttMode.Embedded;

    /// <summary>Broker host. With <see cref="MqttMode.Embedded"/>, the address the embedded broker binds (loopback by default).</summary>
    public string Host { get; init; } = "127.0.0.1";

    /// <summary>Broker port; 1883 is MQTT's registered port, 8883 its TLS port.</summary>
    public int Port { get; init; } = 1883;

    /// <summary>First topic level of everything we publish: <c>{prefix}/{camera}/objects</c>.</summary>
    public string TopicPrefix { get; init; } = "maskstream";

    /// <summary>QoS of objects and events messages. 1 (at least once) is the default: 0 loses messages on any outage.</summary>
    public int Qos { get; init; } = 1;

    public string? Username { get; init; }
    public string? Password { get; init; }
    public bool UseTls { get; init; }

    /// <summary>Accept a broker certificate that does not validate (self-signed test brokers only).</summary>
    public bool AllowUntrustedCertificates { get; init; }

    /// <summary>Fixed MQTT client id; a session survives a reconnect only with a fixed id. Default: <c>maskstream-{instance id}</c>.</summary>
    public string? ClientId { get; init; }

    /// <summary>Messages kept while the broker is slow or away (queued plus in flight).</summary>
    public int OutboxCapacity { get; init; } = 10_000;

    public OutboxOverflowPolicy OverflowPolicy { get; init; } = OutboxOverflowPolicy.DropOldest;

    /// <summary>Our cap on unacknowledged publishes; the broker's CONNACK Receive Maximum lowers it (mosquitto 20, HiveMQ 10).</summary>
    public int MaxInFlight { get; init; } = 100;

    /// <summary>A publish not acknowledged within this time forces a reconnect (MQTTnet waits for PUBACK forever).</summary>
    public TimeSpan PublishTimeout { get; init; } = TimeSpan.FromSeconds(10);

    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);
    public TimeSpan KeepAlive { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>How long the broker keeps our session after a disconnect (0 would discard it at once).</summary>
    public TimeSpan SessionExpiry { get; init; } = TimeSpan.FromHours(1);

    /// <summary>First reconnect delay; doubles per failed attempt up to <see cref="ReconnectDelayMax"/>, with jitter.</summary>
    public TimeSpan ReconnectDelayMin { get; init; } = TimeSpan.FromMilliseconds(500);
    public TimeSpan ReconnectDelayMax { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>One line per bad value, <c>Mqtt:Key = value: what is allowed</c>; empty when the options are usable.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (!Enum.IsDefined(Mode))
            errors.Add($"{Section}:Mode = {Mode}: must be Embedded or External");
        if (string.IsNullOrWhiteSpace(Host))
            errors.Add($"{Section}:Host = '{Host}': must not be empty");
        if (Port is < 1 or > 65535)
            errors.Add($"{Section}:Port = {Port}: must be in 1..65535");
        if (Topics.CheckLevels(TopicPrefix) is { } prefixProblem)
            errors.Add($"{Section}:TopicPrefix = '{TopicPrefix}': {prefixProblem}");
        if (Qos is < 0 or > 2)
            errors.Add($"{Section}:Qos = {Qos}: must be 0, 1 or 2");
        if (Password is not null && string.IsNullOrEmpty(Username))
            errors.Add($"{Section}:Password is set but {Section}:Username is empty: a password needs a user name");
        if (ClientId is not null && (ClientId.Length is 0 or > 128))
            errors.Add($"{Section}:ClientId = '{ClientId}': must be 1..128 characters");
        if (OutboxCapacity is < 1 or > 10_000_000)
            errors.Add($"{Section}:OutboxCapacity = {OutboxCapacity}: must be in 1..10000000");
        if (!Enum.IsDefined(OverflowPolicy))
            errors.Add($"{Section}:OverflowPolicy = {OverflowPolicy}: must be DropOldest or DropNewest");
        if (MaxInFlight is < 1 or > 65535)
            errors.Add($"{Section}:MaxInFlight = {MaxInFlight}: must be in 1..65535");
        RequirePositive(errors, nameof(PublishTimeout), PublishTimeout);
        RequirePositive(errors, nameof(ConnectTimeout), ConnectTimeout);
        if (KeepAlive < TimeSpan.Zero || KeepAlive.TotalSeconds > ushort.MaxValue)
            errors.Add($"{Section}:KeepAlive = {KeepAlive}: must be in 00:00:00..18:12:15 (0 turns pings off)");
        if (SessionExpiry <= TimeSpan.Zero || SessionExpiry.TotalSeconds > uint.MaxValue)
            errors.Add($"{Section}:SessionExpiry = {SessionExpiry}: must be above 0 so the session survives a reconnect");
        RequirePositive(errors, nameof(ReconnectDelayMin), ReconnectDelayMin);
        if (ReconnectDelayMax < ReconnectDelayMin)
            errors.Add($"{Section}:ReconnectDelayMax = {ReconnectDelayMax}: must be at least {Section}:ReconnectDelayMin ({ReconnectDelayMin})");
        return errors;
    }

    /// <summary>Throws <see cref="ArgumentException"/> with the first problem <see cref="Validate"/> finds.</summary>
    public void ThrowIfInvalid()
    {
        var errors = Validate();
        if (errors.Count > 0)
            throw new ArgumentException(errors[0]);
    }

    /// <summary>The client id actually used: fixed across restarts of the same instance.</summary>
    public string ResolveClientId(string instanceId) => ClientId ?? $"maskstream-{instanceId}";

    private static void RequirePositive(List<string> errors, string key, TimeSpan value)
    {
        if (value <= TimeSpan.Zero)
            errors.Add($"{Section}:{key} = {value}: must be above 0");
    }
}
