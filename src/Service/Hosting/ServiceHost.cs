using MaskStream.Service.Configuration;
using MaskStream.Service.Http;
using MaskStream.Service.Pipeline;
using MaskStream.Service.Telemetry;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Metrics;

namespace MaskStream.Service.Hosting;

/// <summary>
/// Builds the Generic Host that <c>maskstream run</c> runs in: systemd (<c>Type=notify</c>, journald log format) and
/// Windows service integration, OpenTelemetry, the pipeline as a hosted service and, unless <c>Http:Url</c> is
/// empty, Kestrel with the HTTP endpoint. The options were bound and validated before, so nothing here reads
/// configuration on its own; the host's configuration is the service's own (appsettings.json, environment, command
/// line), which lets a <c>Logging</c> section tune the log levels.
/// </summary>
internal static class ServiceHost
{
    /// <summary>The host's own stop allowance beyond Service:ShutdownTimeout, which the pipeline keeps to by itself.</summary>
    private static readonly TimeSpan StopMargin = TimeSpan.FromSeconds(15);

    public static IHost Build(ServiceOptions options, IConfiguration configuration, Detector.Detector detector, string modelDirectory)
    {
        if (!options.Http.Enabled)
        {
            var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = [], ContentRootPath = AppContext.BaseDirectory });
            Configure(builder, options, configuration, detector, modelDirectory);
            return builder.Build();
        }

        var web = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [], ContentRootPath = AppContext.BaseDirectory });
        Configure(web, options, configuration, detector, modelDirectory);
        var endpoint = HttpSettings.ParseUrl(options.Http.Url);
        web.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(endpoint));
        var app = web.Build();
        app.MapPrometheusScrapingEndpoint();
        ServiceEndpoints.Map(app, app.Services.GetRequiredService<ServiceStatus>(), app.Services.GetRequiredService<LiveView>(), options.Http);
        return app;
    }

    private static void Configure(IHostApplicationBuilder builder, ServiceOptions options, IConfiguration configuration, Detector.Detector detector,
        string modelDirectory)
    {
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddConfiguration(configuration);

        // The service talks to people through its own lines (banner, progress, summary, errors); the framework only
        // speaks up for warnings, on stderr, so stdout stays the progress line's.
        // Cleared before AddWindowsService, which adds the Event Log provider when running as a Windows service
        // (where stdout and stderr go nowhere).
        builder.Logging.ClearProviders();
        builder.Logging.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        // A start-up failure is reported by `maskstream` as one line; the host would add a stack trace.
        builder.Logging.AddFilter("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.None);

        // Both are no-ops unless the process was started by systemd or the Windows service manager.
        builder.Services.AddSystemd();
        builder.Services.AddWindowsService(o => o.ServiceName = "MaskStream");
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = options.Service.ShutdownTimeout + StopMargin);
        builder.Services.Configure<ConsoleLifetimeOptions>(o => o.SuppressStatusMessages = true);

        var cameras = options.Cameras.Select(c => new CameraCounters(c.Id)).ToArray();
        var monitor = new PipelineMonitor(cameras, TimeProvider.System);
        var status = new ServiceStatus(monitor, options.Cameras, modelDirectory);
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(detector);
        builder.Services.AddSingleton(monitor);
        builder.Services.AddSingleton(status);
        builder.Services.AddSingleton(_ => new LiveView(options.Cameras.Select(c => c.Id), detector.Manifest));
        builder.Services.AddSingleton<FrameTracer>();
        builder.Services.AddMetrics();
        if (TelemetryRegistration.Wanted(options))
        {
            builder.Services.AddSingleton<ServiceMetrics>();
            var instanceId = options.Service.InstanceId.Length > 0 ? options.Service.InstanceId : Environment.MachineName;
            builder.Services.AddMaskStreamTelemetry(options, instanceId);
        }
        builder.Services.AddSingleton(sp => new PipelineObservers(
            monitor,
            sp.GetService<ServiceMetrics>(),
            options.Telemetry.OtlpEnabled ? sp.GetRequiredService<FrameTracer>() : null,
            options.Http.Enabled ? sp.GetRequiredService<LiveView>() : null));
        builder.Services.AddSingleton<PipelineService>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<PipelineService>());
    }
}
