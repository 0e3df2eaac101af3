using MaskStream.Service.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace MaskStream.Service.Telemetry;

/// <summary>OpenTelemetry for the host: the service's and the publisher's meters plus .NET's own runtime meter,
/// exported on <c>/metrics</c> and, when <c>Telemetry:OtlpEndpoint</c> is set, over OTLP with the frame traces.</summary>
internal static class TelemetryRegistration
{
    /// <summary>The publisher's meter (MaskStream.Publish keeps its instruments internal).</summary>
    public const string PublishMeterName = "MaskStream.Publish";

    /// <summary>.NET's built-in runtime meter (GC, heap, thread pool): a service that runs for months shows its growth there.</summary>
    public const string RuntimeMeterName = "System.Runtime";

    /// <summary>True when anything will read the metrics (then the stages record them).</summary>
    public static bool Wanted(ServiceOptions options) => options.Http.Enabled || options.Telemetry.OtlpEnabled;

    public static void AddMaskStreamTelemetry(this IServiceCollection services, ServiceOptions options, string instanceId)
    {
        var settings = options.Telemetry;
        var version = typeof(TelemetryRegistration).Assembly.GetName().Version?.ToString(3);
        var otel = services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService("maskstream", serviceVersion: version, autoGenerateServiceInstanceId: false, serviceInstanceId: instanceId));
        otel.WithMetrics(metrics =>
        {
            metrics.AddMeter(ServiceMetrics.MeterName, PublishMeterName, RuntimeMeterName);
            if (options.Http.Enabled)
                metrics.AddPrometheusExporter();
            if (settings.OtlpEnabled)
            {
                metrics.AddOtlpExporter((exporter, reader) =>
                {
                    Configure(exporter, settings, "metrics");
                    reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = (int)settings.OtlpExportInterval.TotalMilliseconds;
                });
            }
        });
        if (settings.OtlpEnabled)
        {
            otel.WithTracing(tracing => tracing
                .AddSource(FrameTracer.SourceName)
                .SetSampler(new ParentBasedSampler(new TraceIdRatioBasedSampler(settings.TraceSampleRatio)))
                .AddOtlpExporter(exporter => Configure(exporter, settings, "traces")));
        }
    }

    private static void Configure(OtlpExporterOptions exporter, TelemetrySettings settings, string signal)
    {
        exporter.Endpoint = settings.SignalEndpoint(signal);
        exporter.Protocol = settings.OtlpProtocol == OtlpTransport.HttpProtobuf ? OtlpExportProtocol.HttpProtobuf : OtlpExportProtocol.Grpc;
    }
}
