using System.Globalization;
using MaskStream.Ingest;
using MaskStream.Publish;
using MaskStream.Publish.Mqtt;
using MaskStream.Service.Cli;
using MaskStream.Service.Configuration;
using MaskStream.Service.Http;
using MaskStream.Service.Pipeline;
using MaskStream.Service.Telemetry;
using Microsoft.Extensions.Hosting;

namespace MaskStream.Service.Hosting;

/// <summary>
/// The pipeline as a hosted service. It starts once every other hosted service has (the HTTP endpoint is bound), and
/// before the host reports itself started (systemd's READY=1 with <c>Type=notify</c>): the embedded broker, the MQTT
/// publisher, then the stages. When the cameras end on their own it stops the host; when the host stops (SIGTERM,
/// Ctrl-C, the Windows service manager) it drains and flushes within <c>Service:ShutdownTimeout</c>.
/// </summary>
internal sealed class PipelineService(
    ServiceOptions options,
    Detector.Detector detector,
    ServiceStatus status,
    PipelineObservers observers,
    IHostApplicationLifetime lifetime) : IHostedLifecycleService, IDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private EmbeddedBroker? _broker;
    private MqttPublisher? _publisher;
    private Task _run = Task.CompletedTask;

    /// <summary>0 when the service ran (or was stopped); 1 when every camera failed or the pipeline broke.</summary>
    public int ExitCode { get; private set; }

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StartedAsync(CancellationToken cancellationToken)
    {
        var instanceId = options.Service.InstanceId.Length > 0 ? options.Service.InstanceId : null;
        if (options.Mqtt.Mode == MqttMode.Embedded)
        {
            _broker = new EmbeddedBroker(options.Mqtt.Host, options.Mqtt.Port, options.Mqtt.OutboxCapacity);
            try
            {
                await _broker.StartAsync().ConfigureAwait(false);
            }
            catch (InvalidOperationException e)
            {
                await ReleaseAsync().ConfigureAwait(false);
                throw new ServiceStartException(CliHost.UsageError, e.Message, e);
            }
        }
        _publisher = new MqttPublisher(options.Mqtt, detector.Manifest.Classes, instanceId);
        try
        {
            await _publisher.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (MqttBrokerRefusedException e)
        {
            await ReleaseAsync().ConfigureAwait(false);
            throw new ServiceStartException(1, e.Message, e);
        }
        catch
        {
            await ReleaseAsync().ConfigureAwait(false);
            throw;
        }
        status.Publisher = _publisher;
        PrintBanner(_publisher);
        _run = Task.Run(() => RunAsync(_publisher, _stop.Token), CancellationToken.None);
    }

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Drains and flushes; the pipeline bounds that by Service:ShutdownTimeout, the host's token by a little more.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await _run.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
    }

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public void Dispose() => _stop.Dispose();

    private async Task RunAsync(MqttPublisher publisher, CancellationToken stop)
    {
        try
        {
            if (options.Service.StartDelay > TimeSpan.Zero)
            {
                try
                {
                    await Task.Delay(options.Service.StartDelay, stop).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                }
            }
            observers.Monitor.Running = true;
            var pipeline = new ServicePipeline(options, detector, publisher, Console.Out, observers);
            int opened = await pipeline.RunAsync(stop).ConfigureAwait(false);
            PrintSummary(pipeline.Cameras, publisher);
            ExitCode = opened > 0 || stop.IsCancellationRequested ? 0 : 1;
        }
        catch (Exception e)
        {
            await Console.Error.WriteLineAsync($"maskstream: the pipeline failed: {e}").ConfigureAwait(false);
            ExitCode = 1;
        }
        finally
        {
            observers.Monitor.Running = false;
            await ReleaseAsync().ConfigureAwait(false);
            lifetime.StopApplication();
        }
    }

    private async Task ReleaseAsync()
    {
        status.Publisher = null;
        if (_publisher is not null)
            await _publisher.DisposeAsync().ConfigureAwait(false);
        if (_broker is not null)
        {
            await _broker.DisposeAsync().ConfigureAwait(false);
            if (_broker.DroppedForSlowSubscribers > 0)
                Console.WriteLine($"maskstream: MQTT: the embedded broker dropped {_broker.DroppedForSlowSubscribers} message(s) for subscribers " +
                                  $"that fell more than Mqtt:OutboxCapacity ({options.Mqtt.OutboxCapacity}) behind");
        }
        _publisher = null;
        _broker = null;
    }

    private void PrintBanner(MqttPublisher publisher)
    {
        var version = typeof(PipelineService).Assembly.GetName().Version?.ToString(3);
        Console.WriteLine($"maskstream {version}: {options.Cameras.Count} camera(s): " +
                          string.Join(", ", options.Cameras.Select(c => $"{c.Id} = {UriRedaction.Redact(c.Uri)}")));
        Console.WriteLine(_broker is not null
            ? $"MQTT: embedded broker on {publisher.Broker}, topics {publisher.Topics.Prefix}/<camera>/objects|events|status"
            : $"MQTT: broker {publisher.Broker}{(options.Mqtt.UseTls ? " (TLS)" : "")}, topics {publisher.Topics.Prefix}/<camera>/objects|events|status");
        if (publisher.State != PublisherState.Connected)
            Console.WriteLine($"MQTT: not connected yet ({publisher.LastError}); messages wait in the outbox (Mqtt:OutboxCapacity) while it retries");
        if (options.Http.Enabled)
        {
            var url = options.Http.Url.TrimEnd('/');
            Console.WriteLine($"HTTP: {url}/ (live view), {url}/metrics, {url}/healthz, {url}/readyz");
        }
        if (options.Telemetry.OtlpEnabled)
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"OTLP: metrics and traces ({options.Telemetry.TraceSampleRatio:0.###} of frames) to {options.Telemetry.OtlpEndpoint} ({options.Telemetry.OtlpProtocol})"));
        // MQTTnet's broker refuses the empty client id mosquitto_sub sends by default (over MQTT 3.1.1 and 5 alike):
        // -I gives it one, the prefix plus its process id.
        Console.WriteLine($"subscribe: mosquitto_sub -h {options.Mqtt.Host} -p {options.Mqtt.Port} -V mqttv5 -I maskstream-sub- -t '{publisher.Topics.Prefix}/#' -v");
        Console.WriteLine("Ctrl-C stops (frames in flight are finished and the outbox flushed first).");
    }

    private static void PrintSummary(IReadOnlyList<CameraCounters> cameras, MqttPublisher publisher)
    {
        foreach (var c in cameras)
        {
            var drops = c.DropsByReason.Count == 0 ? "0 dropped"
                : $"{c.Dropped} dropped ({string.Join("; ", c.DropsByReason.Select(d => $"{d.Key} {d.Value}"))})";
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{c.Id}: {c.Read} frames read, {c.Processed} detected, {c.Published} published, {drops}, {c.Failed} failed") +
                (c.LastError is null ? "" : $"; last error: {c.LastError}"));
        }
        Console.WriteLine($"MQTT: {publisher.PublishedCount} messages acknowledged, {publisher.DroppedCount} dropped");
    }
}
