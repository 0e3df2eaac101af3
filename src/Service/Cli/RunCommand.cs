using System.CommandLine;
using MaskStream.Detector;
using MaskStream.Service.Configuration;
using MaskStream.Service.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace MaskStream.Service.Cli;

/// <summary>
/// <c>maskstream run</c> (also the default with no verb): the service, in a Generic Host (<see cref="ServiceHost"/>).
/// Settings come from appsettings.json, the environment and <c>--Section:Key=value</c> overrides; they are bound and
/// validated, and the model loaded, before anything starts.
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
        var (options, configuration) = LoadOptions(overrides);
        var (detector, modelDirectory) = LoadDetector(options.Detector);
        using (detector)
        {
            using var host = ServiceHost.Build(options, configuration, detector, modelDirectory);
            try
            {
                await host.StartAsync(ct).ConfigureAwait(false);
            }
            catch (Exception e) when (StartFailure(e, options) is { } failure)
            {
                await StopQuietlyAsync(host).ConfigureAwait(false);
                if (failure.ExitCode == CliHost.UsageError)
                    throw new CliException(failure.Message, failure);
                await Console.Error.WriteLineAsync($"maskstream: {failure.Message}").ConfigureAwait(false);
                return failure.ExitCode;
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                await StopQuietlyAsync(host).ConfigureAwait(false);
                return 0;
            }
            // Until the pipeline's cameras have all ended, or a stop signal (SIGTERM, Ctrl-C, the service manager).
            await host.WaitForShutdownAsync(ct).ConfigureAwait(false);
            return host.Services.GetRequiredService<PipelineService>().ExitCode;
        }
    }

    /// <summary>What a failed start means for the user: a port that cannot be bound, a broker that refuses us.</summary>
    private static ServiceStartException? StartFailure(Exception e, ServiceOptions options)
    {
        if (e is AggregateException { InnerExceptions: [var single] })
            e = single;
        return e switch
        {
            ServiceStartException start => start,
            IOException io when options.Http.Enabled && io.Message.Contains("bind", StringComparison.OrdinalIgnoreCase) =>
                new ServiceStartException(CliHost.UsageError, $"{HttpSettings.Section}:Url = '{options.Http.Url}': {io.Message}", io),
            _ => null,
        };
    }

    private static async Task StopQuietlyAsync(IHost host)
    {
        try
        {
            await host.StopAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or InvalidOperationException)
        {
        }
    }

    private static (ServiceOptions Options, IConfigurationRoot Configuration) LoadOptions(IReadOnlyList<string> overrides)
    {
        try
        {
            var configuration = ServiceConfiguration.Load(overrides);
            return (ServiceOptions.Bind(configuration), configuration);
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

    private static (Detector.Detector Detector, string Directory) LoadDetector(DetectorSettings settings)
    {
        var directory = settings.ResolveModel(Directory.GetCurrentDirectory(), AppContext.BaseDirectory)
            ?? throw new CliException($"{DetectorSettings.Section}:Model = '{settings.Model}': no such model directory " +
                                      $"(looked in {Directory.GetCurrentDirectory()} and above {AppContext.BaseDirectory}); export one with tools/model/export.py");
        try
        {
            return (Detector.Detector.Load(directory, settings.ToDetectorOptions()), directory);
        }
        catch (DetectorException e)
        {
            throw new CliException($"{DetectorSettings.Section}:Model = '{directory}': {e.Message}", e);
        }
    }
}
