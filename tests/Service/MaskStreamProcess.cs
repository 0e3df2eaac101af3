using System.Diagnostics;

namespace MaskStream.Service.Tests;

/// <summary>Runs the real <c>maskstream</c> executable (built beside the tests) as a child process.</summary>
internal static class MaskStreamProcess
{
    public sealed record Result(int ExitCode, string StdOut, string StdErr);

    public static async Task<Result> RunAsync(IEnumerable<string> args, TimeSpan? timeout = null, string? workingDirectory = null)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? AppContext.BaseDirectory,
        };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "maskstream.dll"));
        foreach (var a in Support.ServiceArguments.WithFreeHttpPort(args)) info.ArgumentList.Add(a);

        using var process = Process.Start(info) ?? throw new InvalidOperationException("could not start maskstream");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromMinutes(2));
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"maskstream {string.Join(' ', info.ArgumentList.Skip(1))} did not exit within {timeout}");
        }
        return new Result(process.ExitCode, await stdout, await stderr);
    }
}
