using System.CommandLine;
using System.Globalization;
using MaskStream.Detector;
using MaskStream.Ingest;
using MaskStream.Publish;
using MaskStream.Publish.Mqtt;
using MaskStream.Service.Configuration;
using MaskStream.Service.Pipeline;

namespace MaskStream.Service.Cli;

/// <summary>
/// <c>maskstream run</c> (also the default with no verb): the service. Settings come from appsettings.json, the
/// environment and <c>--Section:Key=value</c> overrides; they are bound and validated before anything starts.
/// </summary>
public static class RunCommand
{
    public static Command Create()
    {
        var command = new Command("run", "Run the service on the configured cameras (the default verb): detect, track and publish over MQTT. " +
                                         "Override any setting with --Section:Key=value, e.g. --Cameras:0:Uri=synthetic://walkers?seed=3 --Mqtt:Port=1884")
        {
            TreatUnmatchedTokensAsErrors = false,
        };
        command.SetAction((r, ct) => RunAsync(r.UnmatchedTokens, ct));
        return command;
    }

    /// <summary>The root command's action: <c>maskstream</c> with no verb runs the service.</summary>
    public static Task<int> RunDefaultAsync(ParseResult parseResult, CancellationToken ct) => RunAsync(parseResult.UnmatchedTokens, ct);

    private static async Task<int> RunAsync(IReadOnlyList<string> overrides, CancellationToken ct)
    {
        var options = LoadOptions(overrides);
        using var detector = LoadDetector(options.Detector);
        var instanceId = options.Service.InstanceId.Length > 0 ? options.Service.InstanceId : null;

        EmbeddedBroker? broker = null;
        if (options.Mqtt.Mode == MqttMode.Embedded)
        {
            broker = new EmbeddedBroker(options.Mqtt.Host, options.Mqtt.Port);
            try
            {
                await broker.StartAsync().ConfigureAwait(false);
            }
            catch (InvalidOperationException e)
            {
                await broker.DisposeAsync().ConfigureAwait(false);
                throw new CliException(e.Message, e);
            }
        }
        try
        {
            await using var publisher = new MqttPublisher(options.Mqtt, detector.Manifest.Classes, instanceId);
            try
            {
                await publisher.StartAsync(ct).ConfigureAwait(false);
            }
            catch (MqttBrokerRefusedException e)
            {
                await Console.Error.WriteLineAsync($"maskstream: {e.Message}").ConfigureAwait(false);
                return 1;
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return 0;
            }

            PrintBanner(options, publisher, broker is not null);
            if (options.Service.StartDelay > TimeSpan.Zero)
            {
                try
                {
                    await Task.Delay(options.Service.StartDelay, ct).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                }
            }

            var pipeline = new ServicePipeline(options, detector, publisher, Console.Out);
            int opened = await pipeline.RunAsync(ct).ConfigureAwait(false);
            PrintSummary(pipeline.Cameras, publisher);
            return opened > 0 || ct.IsCancellationRequested ? 0 : 1;
        }
        finally
        {
            if (broker is not null)
                await broker.DisposeAsync().ConfigureAwait(false);
        }
    }

    private static ServiceOptions LoadOptions(IReadOnlyList<string> overrides)
    {
        try
        {
            return ServiceOptions.Bind(ServiceConfiguration.Load(overrides));
        }
        catch (ConfigurationException e)
        {
            throw new CliException(e.Message, e);
        }
        catch (Exception e) when (e is InvalidDataException or FormatException or FileNotFoundException)
        {
            throw new CliException($"configuration: {e.Message}", e);
        }
    }

    private static Detector.Detector LoadDetector(DetectorSettings settings)
    {
        var directory = settings.ResolveModel(Directory.GetCurrentDirectory(), AppContext.BaseDirectory)
            ?? throw new CliException($"{DetectorSettings.Section}:Model = '{settings.Model}': no such model directory " +
                                      $"(looked in {Directory.GetCurrentDirectory()} and above {AppContext.BaseDirectory}); export one with tools/model/export.py");
        try
        {
            return Detector.Detector.Load(directory, settings.ToDetectorOptions());
        }
        catch (DetectorException e)
        {
            throw new CliException($"{DetectorSettings.Section}:Model = '{directory}': {e.Message}", e);
        }
    }

    private static void PrintBanner(ServiceOptions options, MqttPublisher publisher, bool embedded)
    {
        var version = typeof(RunCommand).Assembly.GetName().Version?.ToString(3);
        Console.WriteLine($"maskstream {version}: {options.Cameras.Count} camera(s): " +
                          string.Join(", ", options.Cameras.Select(c => $"{c.Id} = {UriRedaction.Redact(c.Uri)}")));
        Console.WriteLine(embedded
            ? $"MQTT: embedded broker on {publisher.Broker}, topics {publisher.Topics.Prefix}/<camera>/objects|events|status"
            : $"MQTT: broker {publisher.Broker}{(options.Mqtt.UseTls ? " (TLS)" : "")}, topics {publisher.Topics.Prefix}/<camera>/objects|events|status");
        if (publisher.State != PublisherState.Connected)
            Console.WriteLine($"MQTT: not connected yet ({publisher.LastError}); messages wait in the outbox (Mqtt:OutboxCapacity) while it retries");
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
