namespace MaskStream.Publish.Tests;

public sealed class MqttOptionsTests
{
    [Fact]
    public void Defaults_AreValid_AndMatchTheDesign()
    {
        var options = new MqttOptions();

        Assert.Empty(options.Validate());
        Assert.Equal((MqttMode.Embedded, "127.0.0.1", 1883, "maskstream", 1), (options.Mode, options.Host, options.Port, options.TopicPrefix, options.Qos));
        Assert.Equal(OutboxOverflowPolicy.DropOldest, options.OverflowPolicy);
        Assert.Equal("maskstream-edge-1", options.ResolveClientId("edge-1"));
    }

    [Theory]
    [InlineData("Port", "Mqtt:Port = 70000: must be in 1..65535")]
    [InlineData("Qos", "Mqtt:Qos = 3: must be 0, 1 or 2")]
    [InlineData("TopicPrefix", "Mqtt:TopicPrefix = 'cams/#': must not contain '/', '+', '#' or NUL (MQTT wildcards)")]
    [InlineData("EmptyLevel", "Mqtt:TopicPrefix = 'cams/': must not have an empty level (no leading, trailing or double '/')")]
    [InlineData("OutboxCapacity", "Mqtt:OutboxCapacity = 0: must be in 1..10000000")]
    [InlineData("Password", "Mqtt:Password is set but Mqtt:Username is empty: a password needs a user name")]
    [InlineData("SessionExpiry", "Mqtt:SessionExpiry = 00:00:00: must be above 0 so the session survives a reconnect")]
    [InlineData("Backoff", "Mqtt:ReconnectDelayMax = 00:00:01: must be at least Mqtt:ReconnectDelayMin (00:00:02)")]
    public void Validate_BadValue_OneLineNamingKeyValueAndRange(string what, string expected)
    {
        var options = what switch
        {
            "Port" => new MqttOptions { Port = 70000 },
            "Qos" => new MqttOptions { Qos = 3 },
            "TopicPrefix" => new MqttOptions { TopicPrefix = "cams/#" },
            "EmptyLevel" => new MqttOptions { TopicPrefix = "cams/" },
            "OutboxCapacity" => new MqttOptions { OutboxCapacity = 0 },
            "Password" => new MqttOptions { Password = "secret" },
            "SessionExpiry" => new MqttOptions { SessionExpiry = TimeSpan.Zero },
            "Backoff" => new MqttOptions { ReconnectDelayMin = TimeSpan.FromSeconds(2), ReconnectDelayMax = TimeSpan.FromSeconds(1) },
            _ => throw new ArgumentOutOfRangeException(nameof(what)),
        };

        Assert.Equal([expected], options.Validate());
        Assert.Equal(expected, Assert.Throws<ArgumentException>(options.ThrowIfInvalid).Message);
    }

    [Fact]
    public void Topics_WithAndWithoutInstanceId()
    {
        Assert.Equal("maskstream/service/status", new Topics("maskstream", null).ServiceStatus);
        var topics = new Topics("site/a", "edge-7");
        Assert.Equal("site/a/service/edge-7/status", topics.ServiceStatus);
        Assert.Equal("site/a/door/objects", topics.Objects("door"));
        Assert.Equal("site/a/door/status", topics.CameraStatus("door"));
        Assert.Equal("site/a/door/events", topics.Events("door"));
    }

    [Theory]
    [InlineData("service", "camera id 'service': 'service' is reserved for service status topics")]
    [InlineData("a/b", "camera id 'a/b': must not contain '/', '+', '#' or NUL (MQTT wildcards)")]
    [InlineData("$SYS", "camera id '$SYS': must not start with '$' (reserved for broker topics)")]
    public void Topics_CameraIdThatCannotBeATopicLevel_IsRefusedByName(string camera, string expected)
    {
        var e = Assert.Throws<ArgumentException>(() => new Topics("maskstream", null).Objects(camera));

        Assert.StartsWith(expected, e.Message, StringComparison.Ordinal);
    }
}
