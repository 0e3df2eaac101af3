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
            return await root.Parse(args).InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
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
