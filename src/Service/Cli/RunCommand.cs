using System.CommandLine;
using System.Diagnostics;
using MaskStream.Ingest;
using MaskStream.Service.Configuration;

namespace MaskStream.Service.Cli;

/// <summary>
/// <c>maskstream run</c> (also the default with no verb): the service. Settings come from
/// appsettings.json, the environment and <c>--Section:Key=value</c> overrides.
/// </summary>
/// <remarks>
/// The detector, tracker and MQTT publisher are not built yet (issues 5, 7 and 8): this runs every
/// configured camera through its frame source and reports frame rates, and says so at start.
/// </remarks>
public static class RunCommand
{
    public static Command Create()
    {
        var command = new Command("run", "Run the service on the configured cameras (the default verb). " +
                                         "Override any setting with --Section:Key=value, e.g. --Cameras:0:Uri=synthetic://walkers?seed=3")
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
        IReadOnlyList<CameraOptions> cameras;
        try
        {
            var configuration = ServiceConfiguration.Load(overrides);
            cameras = CameraOptions.Bind(configuration);
        }
        catch (ConfigurationException e)
        {
            throw new CliException(e.Message, e);
        }
        catch (Exception e) when (e is InvalidDataException or FormatException or FileNotFoundException)
        {
            throw new CliException($"configuration: {e.Message}", e);
        }

        Console.WriteLine($"maskstream {typeof(RunCommand).Assembly.GetName().Version?.ToString(3)}: " +
                          $"{cameras.Count} camera(s): {string.Join(", ", cameras.Select(c => $"{c.Id} = {UriRedaction.Redact(c.Uri)}"))}");
        Console.WriteLine("note: the detector, tracker and MQTT publisher are not built yet; " +
                          "cameras are read and their frame rates reported. Ctrl-C stops.");

        var counters = cameras.Select(c => new CameraCounter(c.Id)).ToArray();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var readers = cameras.Select((c, i) => ReadCameraAsync(c, counters[i], stop.Token)).ToArray();
        var progress = ReportProgressAsync(counters, stop.Token);

        await Task.WhenAll(readers).ConfigureAwait(false);
        await stop.CancelAsync().ConfigureAwait(false);
        await progress.ConfigureAwait(false);
        Console.WriteLine();

        int failed = counters.Count(c => c.Error is not null);
        foreach (var c in counters)
            Console.WriteLine($"{c.Id}: {c.Frames} frames" + (c.Error is null ? "" : $", error: {c.Error}"));
        return ct.IsCancellationRequested || failed < counters.Length ? 0 : 1;
    }

    private static async Task ReadCameraAsync(CameraOptions camera, CameraCounter counter, CancellationToken ct)
    {
        try
        {
            await using var source = FrameSourceFactory.Open(camera.Id, camera.Uri);
            await foreach (var frame in source.ReadAsync(ct).ConfigureAwait(false))
            {
                using (frame) Interlocked.Increment(ref counter.Frames);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        catch (FrameSourceException e)
        {
            // One camera's bad URI must not stop the others.
            counter.Error = e.Message;
            await Console.Error.WriteLineAsync($"maskstream: {e.Message}").ConfigureAwait(false);
        }
    }

    private static async Task ReportProgressAsync(CameraCounter[] counters, CancellationToken ct)
    {
        bool terminal = !Console.IsOutputRedirected;
        var period = terminal ? TimeSpan.FromSeconds(1) : TimeSpan.FromSeconds(10);
        var last = counters.Select(c => Interlocked.Read(ref c.Frames)).ToArray();
        var clock = Stopwatch.StartNew();
        using var timer = new PeriodicTimer(period);
        try
        {
            while (await timer.WaitForNextTickAsync(ct).ConfigureAwait(false))
            {
                double seconds = clock.Elapsed.TotalSeconds;
                clock.Restart();
                var parts = new string[counters.Length];
                for (int i = 0; i < counters.Length; i++)
                {
                    long now = Interlocked.Read(ref counters[i].Frames);
                    parts[i] = counters[i].Error is null
                        ? $"{counters[i].Id} {(now - last[i]) / seconds:0.0} fps, {now} frames"
                        : $"{counters[i].Id} failed";
                    last[i] = now;
                }
                var line = string.Join(" | ", parts);
                if (terminal) Console.Write($"\r{line}\u001b[K");
                else Console.WriteLine(line);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private sealed class CameraCounter(string id)
    {
        public string Id { get; } = id;
        public long Frames;
        public volatile string? Error;
    }
}
