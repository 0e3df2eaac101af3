using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace MaskStream.Service.Tests.Support;

/// <summary>The real <c>maskstream</c> executable left running (the service), its output kept line by line. Killed in
/// <see cref="Dispose"/> if it is still running.</summary>
internal sealed class ServiceProcess : IDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _stdout = new();
    private readonly ConcurrentQueue<string> _stderr = new();

    public ServiceProcess(IEnumerable<string> args)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "maskstream.dll"));
        foreach (var a in ServiceArguments.WithFreeHttpPort(args)) info.ArgumentList.Add(a);
        _process = Process.Start(info) ?? throw new InvalidOperationException("could not start maskstream");
        _process.OutputDataReceived += (_, e) => { if (e.Data is not null) _stdout.Enqueue(e.Data); };
        _process.ErrorDataReceived += (_, e) => { if (e.Data is not null) _stderr.Enqueue(e.Data); };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public string StdOut => string.Join('\n', _stdout);
    public string StdErr => string.Join('\n', _stderr);

    /// <summary>Waits for a stdout line starting with <paramref name="prefix"/>; throws with the output so far if the
    /// service exits or the time runs out first.</summary>
    public async Task<string> WaitForLineAsync(string prefix, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            foreach (var line in _stdout)
            {
                if (line.StartsWith(prefix, StringComparison.Ordinal))
                    return line;
            }
            if (_process.HasExited || clock.Elapsed > timeout)
                throw new InvalidOperationException(
                    $"no line '{prefix}…' from maskstream ({(_process.HasExited ? $"exited {_process.ExitCode}" : $"{timeout.TotalSeconds} s")}):\n{StdOut}\n{StdErr}");
            await Task.Delay(50);
        }
    }

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"maskstream did not exit within {timeout.TotalSeconds} s:\n{StdOut}\n{StdErr}");
        }
        _process.WaitForExit(); // drains the redirected output
        return _process.ExitCode;
    }

    /// <summary>SIGTERM, as systemd stops a service.</summary>
    public void Terminate()
    {
        using var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
    }

    public void Dispose()
    {
        if (!_process.HasExited)
            _process.Kill(entireProcessTree: true);
        _process.Dispose();
    }

    /// <summary>A loopback port nobody listens on now (the gap before the service binds it is a race tests accept).</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
