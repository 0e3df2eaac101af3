using MaskStream.Integration.Tests.Support;
using MaskStream.Publish.Tests.Support;

namespace MaskStream.Integration.Tests;

/// <summary>
/// Scaling out (docs/DEPLOY.md): two instances, each with its own <c>Service:InstanceId</c> and camera, on one real
/// mosquitto. Both cameras' results and both instances' status arrive; a killed instance's last will lands on its own
/// status topic while the other keeps publishing; a stopped one says it shut down.
/// </summary>
[Collection(ServiceCollection.Name)]
public sealed class TwoInstancesTests
{
    private static readonly TimeSpan Start = TimeSpan.FromSeconds(90);
    private static readonly TimeSpan Short = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task TwoInstancesOneBroker_BothPublish_KilledOneSendsItsLastWill_OtherRunsOn_StoppedOneSaysShutdown()
    {
        using var broker = new Mosquitto();
        using var subscriber = new MqttSubscriber(broker.Port);
        await subscriber.WaitSubscribedAsync(broker.Port, Short);
        using var a = new ServiceProcess(Instance(broker.Port, "edge-a", "cam-a", seed: 1).Select(s => $"--{s.Key}={s.Value}"), "edge-a", RepositoryRoot.Path);
        // The other one configured the way deploy/systemd/maskstream.env configures a unit: Section__Key variables.
        using var b = new ServiceProcess([], "edge-b", RepositoryRoot.Path, Instance(broker.Port, "edge-b", "cam-b", seed: 2)
            .ToDictionary(s => s.Key.Replace(":", "__", StringComparison.Ordinal), s => s.Value));

        await subscriber.WaitForAsync(ms => ms.Any(m => m.Topic == "maskstream/cam-a/objects") && ms.Any(m => m.Topic == "maskstream/cam-b/objects"),
            Start, $"objects from both cameras\n{a.Output}\n{b.Output}");
        await subscriber.WaitForAsync("maskstream/service/edge-a/status", "\"state\":\"online\"", Short);
        await subscriber.WaitForAsync("maskstream/service/edge-b/status", "\"state\":\"online\"", Short);

        a.KillHard();
        Assert.NotEqual(0, await a.WaitForExitAsync(Short));
        await subscriber.WaitForAsync("maskstream/service/edge-a/status", "\"reason\":\"connection_lost\"", Short);
        int before = subscriber.Payloads("maskstream/cam-b/objects").Count;
        await subscriber.WaitForAsync(ms => ms.Count(m => m.Topic == "maskstream/cam-b/objects") >= before + 3, Start,
            $"edge-b to go on publishing after edge-a died\n{b.Output}");
        Assert.False(b.HasExited, b.Output);

        b.Terminate();
        Assert.Equal(0, await b.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        await subscriber.WaitForAsync("maskstream/service/edge-b/status", "\"reason\":\"shutdown\"", Short);

        Messages.AssertAllValid(subscriber.Messages);
        var willOfA = Messages.Parse(subscriber.Payloads("maskstream/service/edge-a/status"))[^1];
        Assert.Equal(("offline", "connection_lost", "edge-a"), (willOfA.GetProperty("state").GetString(),
            willOfA.GetProperty("reason").GetString(), willOfA.GetProperty("instance_id").GetString()));
        var lastOfB = Messages.Parse(subscriber.Payloads("maskstream/service/edge-b/status"))[^1];
        Assert.Equal(("offline", "shutdown", "edge-b"), (lastOfB.GetProperty("state").GetString(),
            lastOfB.GetProperty("reason").GetString(), lastOfB.GetProperty("instance_id").GetString()));
        // Instances with ids never write the plain service topic, so they cannot overwrite each other's status.
        Assert.Empty(subscriber.Payloads("maskstream/service/status"));
        foreach (var (camera, instance) in new[] { ("cam-a", "edge-a"), ("cam-b", "edge-b") })
        {
            var statuses = Messages.Parse(subscriber.Payloads($"maskstream/{camera}/status"));
            Assert.All(statuses, s => Assert.Equal(instance, s.GetProperty("instance_id").GetString()));
            var frames = Messages.Parse(subscriber.Payloads($"maskstream/{camera}/objects")).Select(Messages.Frame).ToList();
            Assert.Equal(frames.Order(), frames);
        }
        // edge-b's camera went offline with it; edge-a's retained camera status still says online: a killed process
        // cannot update it, only the instance's last will tells (docs/DEPLOY.md).
        Assert.Equal("offline", Messages.Parse(subscriber.Payloads("maskstream/cam-b/status"))[^1].GetProperty("state").GetString());
    }

    private static Dictionary<string, string> Instance(int port, string instanceId, string camera, int seed) => new()
    {
        ["Mqtt:Mode"] = "External",
        ["Mqtt:Host"] = "127.0.0.1",
        ["Mqtt:Port"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Service:InstanceId"] = instanceId,
        ["Cameras:0:Id"] = camera,
        ["Cameras:0:Uri"] = $"synthetic://walkers?seed={seed}&size=320x240&fps=5&people=3",
        ["Http:Url"] = $"http://127.0.0.1:{ServiceProcess.FreePort()}",
        // Two detectors on CI's 2 cores: one ONNX Runtime thread each rather than both fighting over both.
        ["Detector:IntraOpThreads"] = "1",
    };
}
