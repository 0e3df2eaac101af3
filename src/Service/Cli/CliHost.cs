using System.CommandLine;

namespace MaskStream.Service.Cli;

/// <summary>Runs the command line and turns user errors into one line plus exit code 2.</summary>
public static class CliHost
{
    public const int UsageError = 2;

    public static async Task<int> InvokeAsync(RootCommand root, string[] args)
    {
        try
        {
            // Ctrl-C and SIGTERM cancel the action's token; the service then drains and flushes within
            // Service:ShutdownTimeout (at most a minute), so allow that before the process is ended regardless.
            return await root.Parse(args).InvokeAsync(new InvocationConfiguration
            {
                EnableDefaultExceptionHandler = false,
                ProcessTerminationTimeout = TimeSpan.FromSeconds(90),
            });
        }
        catch (CliException e)
        {
            await Console.Error.WriteLineAsync($"maskstream: {e.Message}");
            return UsageError;
        }
        catch (OperationCanceledException)
        {
            return 130;
        }
    }
}
