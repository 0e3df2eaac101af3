using MaskStream.Publish;
using MaskStream.Tracking;
using Microsoft.Extensions.Configuration;

namespace MaskStream.Service.Configuration;

/// <summary>Everything <c>maskstream run</c> reads from configuration, bound once and validated before anything starts.</summary>
public sealed record ServiceOptions(
    IReadOnlyList<CameraOptions> Cameras,
    DetectorSettings Detector,
    TrackerOptions Tracking,
    MqttOptions Mqtt,
    ServiceSettings Service)
{
    public TelemetrySettings Telemetry { get; init; } = new();

    public HttpSettings Http { get; init; } = new();

    /// <exception cref="ConfigurationException">The first bad value, as one line naming the key, the value and what is allowed.</exception>
    public static ServiceOptions Bind(IConfiguration configuration)
    {
        var service = SectionBinder.Bind<ServiceSettings>(configuration, ServiceSettings.Section);
        service.Validate();
        var cameras = CameraOptions.Bind(configuration);
        foreach (var (camera, i) in cameras.Select((c, i) => (c, i)))
        {
            if (Topics.CheckCameraId(camera.Id) is { } problem)
                throw new ConfigurationException($"Cameras:{i}:Id", camera.Id, $"becomes an MQTT topic level, so it {problem}");
        }
        var detector = SectionBinder.Bind<DetectorSettings>(configuration, DetectorSettings.Section);
        detector.Validate();
        var tracking = SectionBinder.Bind<TrackerOptions>(configuration, TrackerOptions.SectionName);
        if (tracking.Validate() is [var trackingError, ..])
            throw new ConfigurationException(TrackerOptions.SectionName, trackingError);
        var mqtt = SectionBinder.Bind<MqttOptions>(configuration, MqttOptions.Section);
        if (mqtt.Validate() is [var mqttError, ..])
            throw new ConfigurationException(MqttOptions.Section, mqttError);
        var telemetry = SectionBinder.Bind<TelemetrySettings>(configuration, TelemetrySettings.Section);
        telemetry.Validate();
        var http = SectionBinder.Bind<HttpSettings>(configuration, HttpSettings.Section);
        http.Validate();
        return new ServiceOptions(cameras, detector, tracking, mqtt, service) { Telemetry = telemetry, Http = http };
    }
}
