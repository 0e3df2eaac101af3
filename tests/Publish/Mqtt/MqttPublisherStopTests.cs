using System.Diagnostics;
using System.Text.Json;
using MaskStream.Publish.Mqtt;
using MaskStream.Publish.Payloads;
using MaskStream.Publish.Tests.Support;
using static MaskStream.Publish.Tests.Mqtt.MqttPublisherTests;

namespace MaskStream.Publish.Tests.Mqtt;

/// <summary>StopAsync while the broker is away, against a real mosquitto and a real subscriber (mosquitto_sub): the
/// outbox is still delivered, in order, if the broker comes back within the bound; what is left at the bound is dropped,
/// counted and logged once; and the stop never runs past its bound by more than <see cref="MqttPublisher.StopGrace"/>.</summary>
public sealed class MqttPublisherStopTests
{
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(30);

    /// <summary>A busy 2-core CI machine: scheduling, closing the socket, mosquitto_sub start-up.</summary>
    private static readonly TimeSpan Slack = TimeSpan.FromSeconds(1);

    private const string ServiceStatus = "maskstream/service/status";

    [Fact]
    public async Task BrokerDownAtStop_BackInTwoSeconds_EveryQueuedMessageArrivesOnceInOrder_ThenOfflineStatus()
    {
        using var broker = new Mosquitto(persistence: true);
        using var subscriber = new Subscriber(broker.Port, "maskstream/#", persistentId: "stop-sub-" + Guid.NewGuid().ToString("N")[..8]);
        await subscriber.WaitSubscribedAsync(broker.Port);
        var log = new StringWriter();
        // A production-like back-off: the first retry after the loss comes 10-20 s later, past the 10 s bound, so only
        // the stop's cap (half the time left) brings the retry that finds the broker back.
        var options = Options(broker.Port, "stop-" + Guid.NewGuid().ToString("N")[..8]) with
        {
            ReconnectDelayMin = TimeSpan.FromSeconds(20),
            ReconnectDelayMax = TimeSpan.FromSeconds(30),
        };
        await using var publisher = new MqttPublisher(options, TestFrames.ClassNames, random: new Random(42), log: log);
        await publisher.StartAsync(new CancellationTokenSource(Long).Token);

        broker.Stop();
        await WaitAsync(() => publisher.State == PublisherState.Disconnected, "the publisher to notice the broker is gone");
        const int frames = 100;
        for (var i = 0; i < frames; i++)
            Assert.True(publisher.PublishObjects(TestFrames.Make("door", i)));
        Assert.True(publisher.PublishCameraStatus("door", "offline", 0, null)); // the pipeline's last word per camera
        Assert.Equal(frames + 1, publisher.OutboxDepth);

        var clock = Stopwatch.StartNew();
        var stopping = publisher.StopAsync(TimeSpan.FromSeconds(10));
        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.False(stopping.IsCompleted, "StopAsync gave up while the broker was down");
        broker.Start();
        await stopping;
        var took = clock.Elapsed;

        Assert.True(took < TimeSpan.FromSeconds(10), $"the stop took {took.TotalSeconds:0.0} s: the retry was not brought forward");
        Assert.Equal(PublisherState.Stopped, publisher.State);
        Assert.Equal(0, publisher.DroppedCount);
        Assert.Equal(0, publisher.OutboxDepth);
        Assert.Equal("", log.ToString());

        await subscriber.WaitForAsync(m => m.Any(x => x.Topic == ServiceStatus && x.Payload.Contains("\"shutdown\"", StringComparison.Ordinal)),
            Long, "the offline status");
        await Task.Delay(300); // anything wrongly sent after the offline status would arrive by now
        var messages = subscriber.Messages;
        var firstSeen = new List<long>();
        var seen = new HashSet<(long, Guid)>();
        for (var i = 0; i < messages.Count; i++)
        {
            if (messages[i].Topic == "maskstream/door/objects")
            {
                var m = JsonSerializer.Deserialize(messages[i].Payload, PayloadJsonContext.Default.ObjectsMessage)!;
                Assert.Equal(publisher.BootId, m.BootId);
                if (seen.Add((m.Frame, m.BootId)))
                    firstSeen.Add(m.Frame);
            }
        }
        Assert.Equal(Enumerable.Range(0, frames).Select(i => (long)i), firstSeen);
        Assert.Contains("\"offline\"", subscriber.Payloads("maskstream/door/status").Last(), StringComparison.Ordinal);
        // The service's offline status comes last, after every result.
        var offline = JsonSerializer.Deserialize(messages[^1].Payload, PayloadJsonContext.Default.ServiceStatusMessage)!;
        Assert.Equal((ServiceStatus, "offline", "shutdown", publisher.BootId), (messages[^1].Topic, offline.State, offline.Reason, offline.BootId));
    }

    [Fact]
    public async Task BrokerStaysDown_StopReturnsAtItsBound_KeepsTryingUntilThen_CountsAndLogsEveryDrop()
    {
        using var broker = new Mosquitto();
        var clientId = "down-" + Guid.NewGuid().ToString("N")[..8];
        var dropped = new List<(long Value, string Reason)>();
        using var listener = ListenToDrops(clientId, dropped);
        var log = new StringWriter();
        await using var publisher = new MqttPublisher(Options(broker.Port, clientId), TestFrames.ClassNames, random: new Random(42), log: log);
        await publisher.StartAsync(new CancellationTokenSource(Long).Token);
        broker.Stop();
        await WaitAsync(() => publisher.State != PublisherState.Connected, "the publisher to notice the broker is gone");
        const int frames = 40;
        for (var i = 0; i < frames; i++)
            publisher.PublishObjects(TestFrames.Make("door", i));
        publisher.PublishCameraStatus("door", "offline", 0, null);
        var failuresBefore = publisher.FailureCount;

        var clock = Stopwatch.StartNew();
        await publisher.StopAsync(TimeSpan.FromSeconds(2));
        var took = clock.Elapsed;

        Assert.InRange(took, TimeSpan.FromSeconds(1.9), TimeSpan.FromSeconds(2) + MqttPublisher.StopGrace + Slack);
        // Test options back off 0.1-1 s: a loop that gave up at the stop would add no failures.
        Assert.True(publisher.FailureCount - failuresBefore >= 2, $"{publisher.FailureCount - failuresBefore} connection attempts during the stop");
        Assert.Equal(frames + 1, publisher.DroppedCount);
        lock (dropped)
            Assert.Equal([(frames + 1L, "shutdown")], dropped.GroupBy(d => d.Reason).Select(g => (g.Sum(d => d.Value), g.Key)));
        Assert.Equal(0, publisher.OutboxDepth);
        Assert.Equal(PublisherState.Stopped, publisher.State);
        var line = Assert.Single(log.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith($"maskstream: MQTT: dropped {frames + 1} messages (reason shutdown) not delivered to broker 127.0.0.1:{broker.Port} within the 2 s stop bound; " +
                          $"last error: MQTT broker 127.0.0.1:{broker.Port} unreachable: ", line, StringComparison.Ordinal);
        Assert.False(publisher.PublishObjects(TestFrames.Make("door", frames)));
    }

    [Fact]
    public async Task BrokerHungAtStop_StopEndsAtItsBoundNotAtThePublishTimeout_UnacknowledgedCountAsDropped()
    {
        using var broker = new Mosquitto();
        await using var proxy = new TcpProxy(broker.Port);
        var log = new StringWriter();
        var options = Options(proxy.Port, "hung-" + Guid.NewGuid().ToString("N")[..8]) with { PublishTimeout = TimeSpan.FromSeconds(30) };
        await using var publisher = new MqttPublisher(options, TestFrames.ClassNames, random: new Random(42), log: log);
        await publisher.StartAsync(new CancellationTokenSource(Long).Token);

        proxy.FreezeAll(); // the connection stays open but no PUBACK (nor anything else) comes back
        for (var i = 0; i < 5; i++)
            publisher.PublishObjects(TestFrames.Make("door", i));

        var clock = Stopwatch.StartNew();
        await publisher.StopAsync(TimeSpan.FromSeconds(2));
        var took = clock.Elapsed;

        Assert.InRange(took, TimeSpan.FromSeconds(1.9), TimeSpan.FromSeconds(2) + MqttPublisher.StopGrace + Slack);
        Assert.Equal(5, publisher.DroppedCount);
        Assert.Equal(0, publisher.PublishedCount);
        Assert.Equal(0, publisher.OutboxDepth);
        Assert.StartsWith("maskstream: MQTT: dropped 5 messages (reason shutdown)", Assert.Single(log.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries)),
            StringComparison.Ordinal);
    }

    [Fact]
    public async Task StopWhileConnected_WithNothingLeft_ReturnsAtOnce_AndASecondStopWaitsForTheFirst()
    {
        using var broker = new Mosquitto();
        var log = new StringWriter();
        await using var publisher = new MqttPublisher(Options(broker.Port, "quick-" + Guid.NewGuid().ToString("N")[..8]), TestFrames.ClassNames,
            random: new Random(42), log: log);
        await publisher.StartAsync(new CancellationTokenSource(Long).Token);
        publisher.PublishObjects(TestFrames.Make("door", 0));

        var clock = Stopwatch.StartNew();
        var first = publisher.StopAsync(TimeSpan.FromSeconds(20));
        var second = publisher.StopAsync(TimeSpan.FromSeconds(20));
        await Task.WhenAll(first, second);

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"stop took {clock.Elapsed.TotalSeconds:0.0} s with a healthy broker");
        Assert.Equal(1, publisher.PublishedCount);
        Assert.Equal(0, publisher.DroppedCount);
        Assert.Equal("", log.ToString());
    }
}
