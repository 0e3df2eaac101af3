using MaskStream.Service.Tests.Cli;
using MaskStream.Service.Tests.Support;

namespace MaskStream.Service.Tests;

/// <summary><c>maskstream run</c>'s start-up checks and camera failures, through the real executable.</summary>
[Collection(ServiceModelCollection.Name)]
public sealed class RunCommandTests(DetectModelFixture model)
{
    [Fact]
    public async Task Run_OneBadCameraUri_OthersRunAndThePasswordIsRedacted()
    {
        var r = await MaskStreamProcess.RunAsync([
            $"--Detector:Model={model.ModelDir}", $"--Mqtt:Port={ServiceProcess.FreePort()}",
            "--Cameras:0:Uri=synthetic://walkers?live=false&frames=3&size=160x120",
            "--Cameras:1:Id=door", "--Cameras:1:Uri=rtps://admin:hunter2@10.0.0.9/stream",
        ]);

        Assert.Equal(0, r.ExitCode);
        Assert.Contains("synthetic: 3 frames read, 3 detected, 3 published, 0 dropped, 0 failed", r.StdOut);
        Assert.Contains("camera 'door': cannot open 'rtps://admin:***@10.0.0.9/stream'", r.StdErr);
        Assert.Contains("door: 0 frames read", r.StdOut);
        Assert.DoesNotContain("hunter2", r.StdOut + r.StdErr);
    }

    [Theory]
    [InlineData("--Cameras:0:Id=a b", "Cameras:0:Id = 'a b'")]
    [InlineData("--Cameras:0:Id=", "Cameras:0:Id = '': a camera id is required")]
    [InlineData("--Cameras:0:Id=service", "Cameras:0:Id = 'service': becomes an MQTT topic level, so it 'service' is reserved")]
    [InlineData("--Mqtt:Port=70000", "Mqtt:Port = 70000: must be in 1..65535")]
    [InlineData("--Mqtt:Port=abc", "Mqtt:Port = 'abc': expected a whole number")]
    [InlineData("--Mqtt:Prot=1884", "Mqtt:Prot = '1884': unknown key; Mqtt has AllowUntrustedCertificates, ClientId")]
    [InlineData("--Mqtt:Mode=Cloud", "Mqtt:Mode = 'Cloud': expected one of Embedded, External")]
    [InlineData("--Tracking:MatchThreshold=1.7", "Tracking:MatchThreshold = 1.7: must be in")]
    [InlineData("--Tracking:LostTrackBuffer=2 minutes", "Tracking:LostTrackBuffer = '2 minutes': expected a duration in seconds or frames")]
    [InlineData("--Detector:Device=tpu", "Detector:Device = 'tpu': expected one of Cpu, Cuda")]
    [InlineData("--Detector:ScoreThreshold=1.5", "Detector:ScoreThreshold = '1.5': must be in [0, 1]")]
    [InlineData("--Service:ShutdownTimeout=soon", "Service:ShutdownTimeout = 'soon': expected a time span")]
    [InlineData("--Service:Jsonl=/proc/maskstream-no/objects.jsonl", "Service:Jsonl = '/proc/maskstream-no/objects.jsonl': a file that can be written")]
    public async Task Run_BadSetting_ExitsWithCode2AndOneLineNamingTheKey(string setting, string expected)
    {
        var r = await MaskStreamProcess.RunAsync(["run", setting]);

        r.AssertOneLineError(expected);
    }

    [Fact]
    public async Task Run_MissingModelDirectory_ExitsWithCode2NamingDetectorModelAndThePath()
    {
        var missing = Path.Combine(Path.GetTempPath(), "maskstream-no-such-model-" + Guid.NewGuid().ToString("N"));

        var r = await MaskStreamProcess.RunAsync(["run", $"--Detector:Model={missing}"]);

        r.AssertOneLineError($"Detector:Model = '{missing}': no such model directory");
    }

    [Fact]
    public async Task Run_UnknownSyntheticParameter_CameraFailsNamingTheParameterAndAllowedNames()
    {
        var r = await MaskStreamProcess.RunAsync(["run", $"--Detector:Model={model.ModelDir}", $"--Mqtt:Port={ServiceProcess.FreePort()}",
            "--Cameras:0:Uri=synthetic://walkers?sise=3"]);

        Assert.Equal(1, r.ExitCode);
        Assert.Contains("parameter 'sise' is not known: expected one of seed, size", r.StdErr);
    }
}
