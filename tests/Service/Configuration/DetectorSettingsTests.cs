using MaskStream.Service.Configuration;
using Microsoft.Extensions.Configuration;

namespace MaskStream.Service.Tests.Configuration;

public sealed class DetectorSettingsTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "maskstream-resolve-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_root)) Directory.Delete(_root, recursive: true);
    }

    private string Dir(string relative) => Directory.CreateDirectory(Path.Combine(_root, relative)).FullName;

    [Fact]
    public void ResolveModel_RelativePath_PrefersTheWorkingDirectory()
    {
        var inCwd = Dir("cwd/models/m");
        Dir("repo/models/m");

        var found = new DetectorSettings { Model = "models/m" }.ResolveModel(Path.Combine(_root, "cwd"), Dir("repo/bin/Release/net10.0"));

        Assert.Equal(inCwd, found);
    }

    [Fact]
    public void ResolveModel_RelativePathMissingInWorkingDirectory_IsFoundAboveTheExecutable()
    {
        var inRepo = Dir("repo/models/m");

        var found = new DetectorSettings { Model = "models/m" }.ResolveModel(Dir("elsewhere"), Dir("repo/src/Service/bin/Release/net10.0"));

        Assert.Equal(inRepo, found);
    }

    [Fact]
    public void ResolveModel_Nowhere_IsNull()
    {
        Assert.Null(new DetectorSettings { Model = "models/none" }.ResolveModel(Dir("a"), Dir("b/bin")));
        Assert.Null(new DetectorSettings { Model = Path.Combine(_root, "absent") }.ResolveModel(Dir("c"), Dir("d")));
    }

    [Fact]
    public void ToDetectorOptions_KeypointSubpixel_OnByDefault_OffWhenConfigured()
    {
        Assert.True(new DetectorSettings().ToDetectorOptions().KeypointSubpixel);
        var configured = new ConfigurationBuilder()
            .AddInMemoryCollection([KeyValuePair.Create("Detector:KeypointSubpixel", (string?)"false")]).Build();
        Assert.False(SectionBinder.Bind<DetectorSettings>(configured, DetectorSettings.Section).ToDetectorOptions().KeypointSubpixel);
    }

    [Fact]
    public void ToDetectorOptions_MaskPaste_TorchvisionByDefault_AlignedWhenConfigured_OtherValuesNamed()
    {
        Assert.Equal(MaskStream.Kernels.MaskPaste.MaskPasteMode.Torchvision, new DetectorSettings().ToDetectorOptions().MaskPaste);
        IConfiguration Config(string value) => new ConfigurationBuilder()
            .AddInMemoryCollection([KeyValuePair.Create("Detector:MaskPaste", (string?)value)]).Build();
        Assert.Equal(MaskStream.Kernels.MaskPaste.MaskPasteMode.Aligned,
            SectionBinder.Bind<DetectorSettings>(Config("aligned"), DetectorSettings.Section).ToDetectorOptions().MaskPaste);
        var e = Assert.Throws<ConfigurationException>(() => SectionBinder.Bind<DetectorSettings>(Config("exact"), DetectorSettings.Section));
        Assert.Equal("Detector:MaskPaste", e.Key);
        Assert.Contains("Torchvision, Aligned", e.Message);
    }
}
