namespace MaskStream.Service.Tests;

public sealed class RunCommandTests
{
    [Fact]
    public async Task Run_FiniteSyntheticCamera_ReadsEveryFrameAndExits()
    {
        var r = await MaskStreamProcess.RunAsync(["run", "--Cameras:0:Uri=synthetic://walkers?live=false&frames=45&size=160x120"]);

        Assert.Equal(0, r.ExitCode);
        Assert.Contains("synthetic: 45 frames", r.StdOut);
    }

    [Fact]
    public async Task Run_OneBadCameraUri_OthersRunAndThePasswordIsRedacted()
    {
        var r = await MaskStreamProcess.RunAsync([
            "--Cameras:0:Uri=synthetic://walkers?live=false&frames=10&size=160x120",
            "--Cameras:1:Id=door", "--Cameras:1:Uri=rtsp://admin:hunter2@10.0.0.9/stream",
        ]);

        Assert.Equal(0, r.ExitCode);
        Assert.Contains("synthetic: 10 frames", r.StdOut);
        Assert.Contains("camera 'door': cannot open 'rtsp://admin:***@10.0.0.9/stream'", r.StdErr);
        Assert.DoesNotContain("hunter2", r.StdOut + r.StdErr);
    }

    [Theory]
    [InlineData("--Cameras:0:Id=a b", "Cameras:0:Id = 'a b'")]
    [InlineData("--Cameras:0:Id=", "Cameras:0:Id = '': a camera id is required")]
    public async Task Run_BadCameraSetting_ExitsWithCode2AndOneLineNamingTheKey(string setting, string expected)
    {
        var r = await MaskStreamProcess.RunAsync(["run", setting]);

        Assert.Equal(2, r.ExitCode);
        var lines = r.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        Assert.StartsWith($"maskstream: {expected}", lines[0]);
    }

    [Fact]
    public async Task Run_UnknownSyntheticParameter_CameraFailsNamingTheParameterAndAllowedNames()
    {
        var r = await MaskStreamProcess.RunAsync(["run", "--Cameras:0:Uri=synthetic://walkers?sise=3"]);

        Assert.Equal(1, r.ExitCode);
        Assert.Contains("parameter 'sise' is not known: expected one of seed, size", r.StdErr);
    }
}
