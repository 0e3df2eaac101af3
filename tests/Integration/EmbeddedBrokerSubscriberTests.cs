using System.Diagnostics;
using System.Globalization;
using MaskStream.Integration.Tests.Support;
using MaskStream.Publish;

namespace MaskStream.Integration.Tests;

/// <summary><see cref="EmbeddedBroker.WaitForSubscriberAsync"/> with a real consumer (mosquitto_sub): publishing can
/// start the moment someone listens, with no fixed start delay, and the first message is not lost.</summary>
public sealed class EmbeddedBrokerSubscriberTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task WaitForSubscriber_CompletesWhenAMatchingFilterSubscribes_FirstPublishArrives()
    {
        await using var broker = new EmbeddedBroker("127.0.0.1", 0);
        await broker.StartAsync();
        var subscribed = new List<(string Client, string Filter)>();
        broker.ClientSubscribed += (client, filter) => { lock (subscribed) subscribed.Add((client, filter)); };
        var door = broker.WaitForSubscriberAsync("maskstream/door/objects");
        var other = broker.WaitForSubscriberAsync("elsewhere/door/objects");
        Assert.False(door.IsCompleted);

        using var subscriber = new MqttSubscriber(broker.Port, "maskstream/+/objects");
        await door.WaitAsync(Timeout);

        await PublishAsync(broker.Port, "maskstream/door/objects", "{\"frame\":0}");
        await subscriber.WaitForAsync("maskstream/door/objects", "{\"frame\":0}", Timeout);
        Assert.False(other.IsCompleted);
        // A subscription made before the call counts: the second waiter returns at once.
        Assert.True(broker.WaitForSubscriberAsync("maskstream/yard/objects").IsCompleted);
        lock (subscribed)
            Assert.Contains(subscribed, s => s.Filter == "maskstream/+/objects" && s.Client.StartsWith("maskstream-it-", StringComparison.Ordinal));
    }

    private static async Task PublishAsync(int port, string topic, string payload)
    {
        var info = new ProcessStartInfo("mosquitto_pub") { UseShellExecute = false, RedirectStandardError = true };
        foreach (var a in (string[])["-h", "127.0.0.1", "-p", port.ToString(CultureInfo.InvariantCulture), "-V", "mqttv5",
                     "-I", "maskstream-it-pub-", "-q", "1", "-t", topic, "-m", payload])
            info.ArgumentList.Add(a);
        using var pub = Process.Start(info)!;
        using var cts = new CancellationTokenSource(Timeout);
        await pub.WaitForExitAsync(cts.Token);
        Assert.True(pub.ExitCode == 0, await pub.StandardError.ReadToEndAsync());
    }
}
