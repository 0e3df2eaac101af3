using System.Diagnostics;

namespace MaskStream.Service.Tests;

/// <summary>Runs the real <c>maskstream</c> executable (built beside the tests) as a child process.</summary>
internal static class MaskStreamProcess
{
    public sealed record Result(int ExitCode, string StdOut, string StdErr)
    {
        /// <summary>Asserts a user or configuration error as the CLI reports one: exit code 2 and a single stderr line,
        /// <c>maskstream: </c> then <paramref name="start"/>. Gives that line.</summary>
        public string AssertOneLineError(string start)
        {
            Assert.Equal(2, ExitCode);
            var lines = StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Single(lines);
            Assert.StartsWith($"maskstream: {start}", lines[0]);
            return lines[0];
        }
    }

    public static async Task<Result> RunAsync(IEnumerable<string> args, TimeSpan? timeout = null, string? workingDirectory = null)
    {
        var info = ServiceProcess.StartInfo(args, workingDirectory);

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
