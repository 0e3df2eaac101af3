using System.Globalization;

namespace MaskStream.Service.Configuration;

/// <summary>The <c>Telemetry</c> section: where metrics and traces go besides <c>/metrics</c>.</summary>
public sealed record TelemetrySettings
{
    public const string Section = "Telemetry";

    /// <summary>An OpenTelemetry collector (OTLP). Empty: no OTLP export, and no traces (they have nowhere else to go).
    /// gRPC takes the collector's address (<c>http://collector:4317</c>); http/protobuf its base URL
    /// (<c>http://collector:4318</c>), to which <c>/v1/metrics</c> and <c>/v1/traces</c> are added.</summary>
    public string OtlpEndpoint { get; init; } = "";

    public OtlpTransport OtlpProtocol { get; init; } = OtlpTransport.Grpc;

    /// <summary>How often metrics are pushed to <see cref="OtlpEndpoint"/>.</summary>
    public TimeSpan OtlpExportInterval { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>Share of frames traced (one span per frame with a child per stage). Small by default: at 30 fps per
    /// camera every frame would be 2,600 spans a day per camera per 1 %.</summary>
    public double TraceSampleRatio { get; init; } = 0.01;

    public bool OtlpEnabled => OtlpEndpoint.Length > 0;

    /// <exception cref="ConfigurationException">The first bad value.</exception>
    public void Validate()
    {
        if (OtlpEnabled && (!Uri.TryCreate(OtlpEndpoint, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps)))
            throw new ConfigurationException($"{Section}:OtlpEndpoint", OtlpEndpoint,
                "expected an http(s) URL of an OpenTelemetry collector, e.g. http://127.0.0.1:4317 (empty: no OTLP export)");
        if (!Enum.IsDefined(OtlpProtocol))
            throw new ConfigurationException($"{Section}:OtlpProtocol", OtlpProtocol.ToString(), "expected Grpc or HttpProtobuf");
        if (OtlpExportInterval < TimeSpan.FromMilliseconds(100) || OtlpExportInterval > TimeSpan.FromHours(1))
            throw new ConfigurationException($"{Section}:OtlpExportInterval", OtlpExportInterval.ToString(), "must be in 00:00:00.100..01:00:00");
        if (!(TraceSampleRatio is >= 0 and <= 1))
            throw new ConfigurationException($"{Section}:TraceSampleRatio", TraceSampleRatio.ToString(CultureInfo.InvariantCulture), "must be in [0, 1]");
    }

    /// <summary>The OTLP endpoint of one signal: http/protobuf posts to <c>/v1/{signal}</c> under the base URL.</summary>
    public Uri SignalEndpoint(string signal) =>
        OtlpProtocol == OtlpTransport.HttpProtobuf ? new Uri(OtlpEndpoint.TrimEnd('/') + "/v1/" + signal) : new Uri(OtlpEndpoint);
}

/// <summary>OTLP's two transports.</summary>
public enum OtlpTransport
{
    Grpc,
    HttpProtobuf,
}
