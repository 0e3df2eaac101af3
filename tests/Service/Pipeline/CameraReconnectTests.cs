using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using MaskStream.Service.Tests.Cli;
using MaskStream.Service.Tests.Support;

namespace MaskStream.Service.Tests.Pipeline;

/// <summary><c>maskstream run</c> on a live network camera (MPEG-TS over UDP sent by a real ffmpeg on loopback): the
/// stream stops and comes back, and the camera's retained status topic, read by mosquitto_sub, shows it.</summary>
[Collection(ServiceModelCollection.Name)]
public sealed class CameraReconnectTests(DetectModelFixture model)
{
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Run_StreamStoppedAndRestarted_StatusShowsReconnectingThenOnline()
    {
        int mqtt = ServiceProcess.FreePort();
        int udp = FreeUdpPort();
        using var service = new ServiceProcess([
            "run", $"--Detector:Model={model.ModelDir}", $"--Mqtt:Port={mqtt}",
            "--Cameras:0:Id=yard", $"--Cameras:0:Uri=udp://127.0.0.1:{udp}",
            "--Cameras:0:StallTimeout=00:00:02", "--Cameras:0:ReconnectMin=00:00:00.2", "--Cameras:0:ReconnectMax=00:00:01",
            "--Service:StartDelay=00:00:03", $"--Http:Url=http://127.0.0.1:{ServiceProcess.FreePort()}",
        ]);
        await service.WaitForLineAsync("subscribe: ", Long);
        using var subscriber = new MqttSubscriber(mqtt);

        var sender = Send(udp);
        try
        {
            await WaitForStatesAsync(subscriber, ["online"], service);
            await subscriber.WaitForAsync("maskstream/yard/objects", "\"frame\":", Long);
            sender.Kill();
            sender.WaitForExit();
            await WaitForStatesAsync(subscriber, ["online", "reconnecting"], service);
            sender.Dispose();
            sender = Send(udp);
            await WaitForStatesAsync(subscriber, ["online", "reconnecting", "online"], service);
        }
        finally
        {
            if (!sender.HasExited) sender.Kill();
            sender.Dispose();
        }
        service.Terminate();
        Assert.Equal(0, await service.WaitForExitAsync(TimeSpan.FromSeconds(30)));

        var statuses = subscriber.Payloads("maskstream/yard/status").Select(p => JsonDocument.Parse(p).RootElement).ToList();
        Assert.Equal(["connecting", "online", "reconnecting", "online", "offline"], Collapse(statuses.Select(s => s.GetProperty("state").GetString()!)));
        var stalled = statuses.First(s => s.GetProperty("state").GetString() == "reconnecting");
        Assert.Equal($"camera 'yard': udp://127.0.0.1:{udp}: no frame within 2 s (StallTimeout); reconnecting", stalled.GetProperty("last_error").GetString());
        Assert.Contains("camera 'yard': online again after", service.StdErr, StringComparison.Ordinal);
        var online = statuses.Where(s => s.GetProperty("state").GetString() == "online").ToList();
        Assert.Equal(0, online[0].GetProperty("reconnects").GetInt32());
        Assert.True(online[^1].GetProperty("reconnects").GetInt32() >= 1, online[^1].ToString());
    }

    private static async Task WaitForStatesAsync(MqttSubscriber subscriber, string[] states, ServiceProcess service)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var seen = Collapse(subscriber.Payloads("maskstream/yard/status").Select(p => JsonDocument.Parse(p).RootElement.GetProperty("state").GetString()!));
            seen.Remove("connecting");
            if (seen.Count >= states.Length && seen.Take(states.Length).SequenceEqual(states))
                return;
            if (clock.Elapsed > Long)
                throw new TimeoutException($"statuses {string.Join(" → ", seen)}, waiting for {string.Join(" → ", states)}:\n{service.StdOut}\n{service.StdErr}");
            await Task.Delay(100);
        }
    }

    private static List<string> Collapse(IEnumerable<string> states)
    {
        var collapsed = new List<string>();
        foreach (var s in states)
        {
            if (collapsed.Count == 0 || collapsed[^1] != s)
                collapsed.Add(s);
        }
        return collapsed;
    }

    /// <summary>A moving test pattern, MPEG-TS over UDP to the camera's port, in real time.</summary>
    private static Process Send(int port) =>
        Process.Start(new ProcessStartInfo("ffmpeg", [
            "-hide_banner", "-nostdin", "-loglevel", "error", "-re", "-f", "lavfi", "-i", "testsrc2=size=160x120:rate=10",
            "-c:v", "mpeg2video", "-g", "5", "-q:v", "5", "-f", "mpegts", $"udp://127.0.0.1:{port}?pkt_size=1316",
        ]) { UseShellExecute = false, RedirectStandardError = true }) ?? throw new InvalidOperationException("could not start ffmpeg");

    private static int FreeUdpPort()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }
}
