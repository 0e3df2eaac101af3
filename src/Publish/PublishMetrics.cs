using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace MaskStream.Publish;

/// <summary>The Publish stage's instruments (names and units are a public contract: add, never rename).
/// Every measurement carries <c>client_id</c> so several publishers in one process stay apart.</summary>
internal static class PublishMetrics
{
    public const string MeterName = "MaskStream.Publish";

    private static readonly Meter Meter = new(MeterName, typeof(PublishMetrics).Assembly.GetName().Version?.ToString());

    public static readonly Counter<long> Published = Meter.CreateCounter<long>(
        "maskstream.mqtt.messages.published", unit: "{message}", description: "Messages the broker acknowledged (QoS 1/2) or that were sent (QoS 0).");

    public static readonly Counter<long> PublishedBytes = Meter.CreateCounter<long>(
        "maskstream.mqtt.bytes.published", unit: "By", description: "Payload bytes of published messages.");

    public static readonly Counter<long> Dropped = Meter.CreateCounter<long>(
        "maskstream.mqtt.messages.dropped", unit: "{message}", description: "Messages given up, by reason (outbox_full, rejected, shutdown).");

    public static readonly UpDownCounter<long> OutboxDepth = Meter.CreateUpDownCounter<long>(
        "maskstream.mqtt.outbox.depth", unit: "{message}", description: "Messages queued or in flight.");

    public static readonly Counter<long> Failures = Meter.CreateCounter<long>(
        "maskstream.mqtt.failures", unit: "{failure}", description: "Connection failures and forced reconnects, by reason (connect, refused, timeout, connection_lost).");

    public static readonly Counter<long> Connects = Meter.CreateCounter<long>(
        "maskstream.mqtt.connects", unit: "{connection}", description: "Successful connections to the broker (the first one and every reconnect).");

    public static readonly Counter<long> BrokerDropped = Meter.CreateCounter<long>(
        "maskstream.mqtt.broker.messages.dropped", unit: "{message}",
        description: "Messages the embedded broker dropped for a subscriber that fell more than Mqtt:OutboxCapacity messages behind (oldest first), by broker endpoint.");

    public static TagList Tags(string clientId) => new() { { "client_id", clientId } };

    public static TagList Tags(string clientId, string reason) => new() { { "client_id", clientId }, { "reason", reason } };
}
