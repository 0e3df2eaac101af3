using MaskStream.Integration.Tests.Support;
using Xunit.Abstractions;

namespace MaskStream.Integration.Tests;

/// <summary>
/// The README's one command: the service on its embedded defaults (appsettings.json's synthetic camera, the shipped
/// model, the embedded broker), started with no camera or model arguments, only its two ports moved to free ones so
/// the test cannot collide with a service already running. A real MQTT v5 client reads it; every message is checked
/// against docs/schema, and the masks, keypoints and track ids against the synthetic scene's ground truth.
/// </summary>
[Collection(ServiceCollection.Name)]
public sealed class DefaultRunTests(ITestOutputHelper output)
{
    /// <summary>Objects messages compared with the ground truth, or as many as arrive within <see cref="Collect"/> (the
    /// shipped model on 2 busy cores), but at least <see cref="MinFrames"/>.</summary>
    private const int FramesToCompare = 40;
    private const int MinFrames = 10;
    private static readonly TimeSpan Collect = TimeSpan.FromSeconds(40);

    /// <summary>"Objects the model detects confidently".</summary>
    private const double ConfidentScore = 0.8;

    /// <summary>Ground-truth objects smaller than this (mostly hidden, or far away) are left out.</summary>
    private const long MinVisibleArea = 400;

    /// <summary>Track ids are judged between published frames at most this far apart (0.5 s at 30 fps): the live camera
    /// skips the frames a slow detector cannot take, and a walker that moved a metre unseen may fairly get a new id.</summary>
    private const long TrackGapFrames = 15;

    [Fact]
    public async Task DefaultRun_MessagesMatchSchemaAndGroundTruth_TrackIdsStable()
    {
        var (cameraId, cameraUri) = DefaultSettings.Camera();
        int mqttPort = ServiceProcess.FreePort();
        using var service = new ServiceProcess([$"--Mqtt:Port={mqttPort}", $"--Http:Url=http://127.0.0.1:{ServiceProcess.FreePort()}"],
            workingDirectory: RepositoryRoot.Path);
        var hint = await service.WaitForLineAsync("subscribe: ", TimeSpan.FromSeconds(60));
        Assert.Contains($"mosquitto_sub -h 127.0.0.1 -p {mqttPort} -V mqttv5", hint);
        using var subscriber = new MqttSubscriber(mqttPort);
        var objectsTopic = $"maskstream/{cameraId}/objects";
        var collecting = System.Diagnostics.Stopwatch.StartNew();
        await subscriber.WaitForAsync(ms => ms.Count(m => m.Topic == objectsTopic) >= (collecting.Elapsed < Collect ? FramesToCompare : MinFrames),
            Collect * 2, $"{MinFrames} to {FramesToCompare} messages on {objectsTopic}");

        service.Terminate();
        Assert.Equal(0, await service.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        await subscriber.WaitForAsync("maskstream/service/status", "\"reason\":\"shutdown\"", TimeSpan.FromSeconds(10));

        Messages.AssertAllValid(subscriber.Messages);
        var objects = Messages.Parse(subscriber.Payloads(objectsTopic));
        var frames = objects.Select(Messages.Frame).ToList();
        Assert.Equal(frames.Order(), frames);
        Assert.Equal(frames.Distinct(), frames);
        Assert.Single(objects.Select(o => o.GetProperty("boot_id").GetString()).Distinct());
        var statuses = Messages.Parse(subscriber.Payloads($"maskstream/{cameraId}/status"));
        Assert.Equal("offline", statuses[^1].GetProperty("state").GetString());

        var figures = GroundTruthComparison.Compare(cameraUri, objects, ConfidentScore, MinVisibleArea, TrackGapFrames);
        output.WriteLine($"shipped model against {cameraUri}: {figures}");

        Assert.True(figures.Matched >= objects.Count, $"too few confident matches to judge: {figures}");
        // Issue 8's targets (mask IoU ≥ 0.8, keypoints within 5 px) against what the shipped model reaches today.
        Assert.True(figures.MedianIou >= ShippedModelFloors.MedianMaskIou, $"mask IoU: {figures}");
        Assert.True(figures.MedianKeypointError <= ShippedModelFloors.MedianKeypointErrorPx, $"keypoints: {figures}");

        // A walker keeps its track id from one published frame to the next while it stays matched: judged between
        // nearby frames. On a machine too slow to publish nearby frames (the live camera skips what the detector cannot
        // take, so published frames lie seconds apart and walkers move metres unseen) there is nothing fair to judge
        // here; BrokerRestartTests judges the same scene through the service frame by frame (live=false) on any machine.
        if (figures.TrackPairs >= 10)
            Assert.True(figures.IdSwitches <= ShippedModelFloors.MaxIdChangeFraction * figures.TrackPairs, $"track ids: {figures}");
        else
            output.WriteLine($"only {figures.TrackPairs} matches in published frames ≤ {TrackGapFrames} apart: track ids judged in BrokerRestartTests");
    }
}
