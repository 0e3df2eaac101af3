using System.Text.Json;
using MaskStream.Core.Masks;
using MaskStream.Publish.Mqtt;
using MaskStream.Publish.Payloads;
using MaskStream.Publish.Tests.Mqtt;
using MaskStream.Publish.Tests.Support;

namespace MaskStream.Publish.Tests;

public sealed class EmbeddedBrokerTests
{
    [Fact]
    public async Task RoundTrip_PublisherToEmbeddedBrokerToMosquittoSub()
    {
        await using var broker = new EmbeddedBroker("127.0.0.1", port: 0);
        await broker.StartAsync();
        Assert.True(broker.IsStarted);
        using var subscriber = new Subscriber(broker.Port);
        await subscriber.WaitSubscribedAsync(broker.Port);
        var options = MqttPublisherTests.Options(broker.Port, "embedded-test") with { Mode = MqttMode.Embedded };
        await using var publisher = new MqttPublisher(options, TestFrames.ClassNames);
        await publisher.StartAsync(new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token);

        for (var i = 0; i < 5; i++)
            publisher.PublishObjects(TestFrames.Make("door", i));
        publisher.PublishCameraStatus("door", "online", 10, null);
        Assert.True(await publisher.FlushAsync(TimeSpan.FromSeconds(30)));
        await subscriber.WaitForAsync(m => m.Count(x => x.Topic.StartsWith("maskstream/door/", StringComparison.Ordinal)) >= 6,
            TimeSpan.FromSeconds(30), "5 frames and a status");

        var frames = subscriber.Payloads("maskstream/door/objects").Select(p => JsonSerializer.Deserialize(p, PayloadJsonContext.Default.ObjectsMessage)!).ToList();
        Assert.Equal([0L, 1, 2, 3, 4], frames.Select(f => f.Frame));
        Assert.Equal(TestFrames.PersonMask(4), RleMask.FromCompressedString(frames[4].Objects[0].Mask!.Counts, TestFrames.Height, TestFrames.Width));
        Assert.Equal(6, publisher.PublishedCount);

        await publisher.StopAsync(TimeSpan.FromSeconds(5));
        await broker.StopAsync();
        Assert.False(broker.IsStarted);
    }

    [Fact]
    public async Task StopRightAfterABurst_SubscribersGetEveryMessageAndTheOfflineStatus()
    {
        const int frames = 1500;
        await using var broker = new EmbeddedBroker("127.0.0.1", port: 0);
        await broker.StartAsync();
        using var subscriber = new Subscriber(broker.Port);
        await subscriber.WaitSubscribedAsync(broker.Port);
        var options = MqttPublisherTests.Options(broker.Port, "embedded-drain") with { Mode = MqttMode.Embedded };
        await using var publisher = new MqttPublisher(options, TestFrames.ClassNames);
        await publisher.StartAsync(new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token);

        // As the service ends: the last frames, the offline status, and the broker stops with the process.
        for (var i = 0; i < frames; i++)
            publisher.PublishObjects(TestFrames.Make("door", i));
        await publisher.StopAsync(TimeSpan.FromSeconds(30));
        // A longer drain than the service's 5 s: a loaded CI machine's mosquitto_sub reads 1,500 messages slowly.
        await broker.StopAsync(TimeSpan.FromSeconds(30));

        // The subscriber may still be reading what it was sent; nothing more can come once the broker is down. With MQTTnet's
        // default of 250 messages a subscriber may lag, this lost messages (1,433 of 1,500 and the status) when the machine
        // was busy, as ServiceRunTests' subscriber lost the service's last messages; idle, it passed either way.
        await subscriber.WaitForAsync(m => m.Any(x => x.Topic == "maskstream/service/status" && x.Payload.Contains("\"shutdown\"", StringComparison.Ordinal)),
            TimeSpan.FromSeconds(10), "the offline status");
        Assert.Equal(frames, subscriber.Payloads("maskstream/door/objects").Count);
        Assert.Equal(0, broker.DroppedForSlowSubscribers);
    }

    [Fact]
    public async Task SubscriberAwayBeyondTheBound_OldestDroppedAndCountedInTheMetric_NewestDeliveredOnReturn()
    {
        const int bound = 5, frames = 20;
        await using var broker = new EmbeddedBroker("127.0.0.1", port: 0, maxPendingPerClient: bound);
        await broker.StartAsync();
        var endpoint = $"127.0.0.1:{broker.Port}";
        long metric = 0;
        using var listener = new System.Diagnostics.Metrics.MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == "MaskStream.Publish" && instrument.Name == "maskstream.mqtt.broker.messages.dropped")
                    l.EnableMeasurementEvents(instrument);
            },
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            foreach (var tag in tags)
                if (tag.Key == "endpoint" && (string?)tag.Value == endpoint)
                    Interlocked.Add(ref metric, value);
        });
        listener.Start();

        // A persistent session (clean session off) whose client goes away: the broker queues for it, under the same bound.
        var id = $"away-{Guid.NewGuid():N}"[..20];
        using (var first = new Subscriber(broker.Port, persistentId: id))
            await first.WaitSubscribedAsync(broker.Port);
        using (var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30)))
            while (await broker.IsConnectedAsync(id))
                await Task.Delay(20, cts.Token);

        var options = MqttPublisherTests.Options(broker.Port, "embedded-away") with { Mode = MqttMode.Embedded };
        await using var publisher = new MqttPublisher(options, TestFrames.ClassNames);
        await publisher.StartAsync(new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token);
        for (var i = 0; i < frames; i++)
            publisher.PublishObjects(TestFrames.Make("door", i));
        Assert.True(await publisher.FlushAsync(TimeSpan.FromSeconds(30)));

        // Queued for the session (maskstream/#): the publisher's online status, sent on connect, then the frames.
        Assert.Equal(frames, publisher.PublishedCount);
        Assert.Equal(frames + 1 - bound, broker.DroppedForSlowSubscribers);
        Assert.Equal(frames + 1 - bound, Interlocked.Read(ref metric));
        using var back = new Subscriber(broker.Port, persistentId: id);
        await back.WaitForAsync(m => m.Count(x => x.Topic == "maskstream/door/objects") >= bound, TimeSpan.FromSeconds(30), "the newest frames");
        await Task.Delay(300); // anything wrongly kept would arrive with them
        var delivered = back.Payloads("maskstream/door/objects").Select(p => JsonSerializer.Deserialize(p, PayloadJsonContext.Default.ObjectsMessage)!.Frame);
        Assert.Equal(Enumerable.Range(frames - bound, bound).Select(i => (long)i), delivered);
        await publisher.StopAsync(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task AnyFreePort_TakenBeforeStart_AnotherIsTaken()
    {
        await using var broker = new EmbeddedBroker("127.0.0.1", port: 0);
        int chosen = broker.Port;
        // What CI hit: the port chosen at construction became some client's ephemeral source port before the broker bound it.
        var squatter = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, chosen);
        squatter.Start();
        try
        {
            await broker.StartAsync();
            Assert.True(broker.IsStarted);
            Assert.NotEqual(chosen, broker.Port);
            using var client = new System.Net.Sockets.TcpClient();
            await client.ConnectAsync("127.0.0.1", broker.Port);
        }
        finally
        {
            squatter.Stop();
        }
    }

    [Fact]
    public async Task PortInUse_ClearErrorNamingTheAddress()
    {
        await using var first = new EmbeddedBroker("127.0.0.1", port: 0);
        await first.StartAsync();
        await using var second = new EmbeddedBroker("127.0.0.1", first.Port);

        var e = await Assert.ThrowsAsync<InvalidOperationException>(second.StartAsync);

        Assert.StartsWith($"embedded MQTT broker cannot listen on 127.0.0.1:{first.Port}: ", e.Message, StringComparison.Ordinal);
    }
}
