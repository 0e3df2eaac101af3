using MaskStream.Publish;
using MaskStream.Service.Configuration;
using MaskStream.Tracking;
using Microsoft.Extensions.Configuration;

namespace MaskStream.Service.Tests.Configuration;

public sealed class SectionBinderTests
{
    private static IConfiguration Config(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => KeyValuePair.Create(v.Key, (string?)v.Value))).Build();

    [Fact]
    public void Bind_MqttSection_SetsEveryKindOfValueAndKeepsDefaultsElsewhere()
    {
        var mqtt = SectionBinder.Bind<MqttOptions>(Config(("Mqtt:Mode", "external"), ("Mqtt:Port", "8883"), ("Mqtt:UseTls", "true"),
            ("Mqtt:PublishTimeout", "00:00:02.5"), ("Mqtt:Username", "cam")), MqttOptions.Section);

        Assert.Equal(new MqttOptions { Mode = MqttMode.External, Port = 8883, UseTls = true, PublishTimeout = TimeSpan.FromSeconds(2.5), Username = "cam" }, mqtt);
    }

    [Theory]
    [InlineData("2s", 2, TrackDurationUnit.Seconds)]
    [InlineData("1.5 s", 1.5, TrackDurationUnit.Seconds)]
    [InlineData("60 frames", 60, TrackDurationUnit.Frames)]
    [InlineData("45f", 45, TrackDurationUnit.Frames)]
    public void Bind_TrackingDurations_ReadSecondsOrFrames(string text, double value, TrackDurationUnit unit)
    {
        var tracking = SectionBinder.Bind<TrackerOptions>(Config(("Tracking:LostTrackBuffer", text), ("Tracking:MatchThreshold", "0.7")), "Tracking");

        Assert.Equal(new TrackDuration(value, unit), tracking.LostTrackBuffer);
        Assert.Equal(0.7f, tracking.MatchThreshold);
    }

    [Fact]
    public void Bind_UnknownKey_NamesItAndListsTheKeysOfTheSection()
    {
        var e = Assert.Throws<ConfigurationException>(() => SectionBinder.Bind<ServiceSettings>(Config(("Service:Instance", "x")), "Service"));

        Assert.Equal("Service:Instance", e.Key);
        Assert.Equal("Service:Instance = 'x': unknown key; Service has FrameQueue, InstanceId, Jsonl, ShutdownTimeout, StartDelay", e.Message);
    }

    [Fact]
    public void Bind_NumberInAnotherCulture_IsRefusedNamingTheKey()
    {
        var e = Assert.Throws<ConfigurationException>(() => SectionBinder.Bind<DetectorSettings>(Config(("Detector:ScoreThreshold", "0,5")), "Detector"));

        Assert.Equal("Detector:ScoreThreshold = '0,5': expected a number (invariant culture, e.g. 0.5)", e.Message);
    }

    [Fact]
    public void Bind_EnumAsNumber_IsRefused()
    {
        // Enum.TryParse accepts "7" as a value no member has; a typo must not slip through that way.
        var e = Assert.Throws<ConfigurationException>(() => SectionBinder.Bind<MqttOptions>(Config(("Mqtt:Mode", "7")), "Mqtt"));

        Assert.Equal("Mqtt:Mode = '7': expected one of Embedded, External", e.Message);
    }
}
