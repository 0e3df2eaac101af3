using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace MaskStream.Testing;

/// <summary>
/// The real <c>maskstream</c> executable (built beside the tests) left running as a service, its output kept line by
/// line; killed in <see cref="Dispose"/> if still running. Every <c>run</c> gets a free <c>--Http:Url</c> unless the
/// test chose one (<see cref="ServiceArguments.WithFreeHttpPort"/>). The integration tests start it from the repository
/// root, as the README's <c>./scripts/run</c> does, and may configure it with <c>Section__Key</c> environment variables.
/// </summary>
internal sealed class ServiceProcess : IDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _stdout = new();
    private readonly ConcurrentQueue<string> _stderr = new();

    public ServiceProcess(IEnumerable<string> args, string name = "maskstream", string? workingDirectory = null,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        Name = name;
        var info = StartInfo(args, workingDirectory);
        foreach (var (key, value) in environment ?? new Dictionary<string, string>()) info.Environment[key] = value;
        _process = Process.Start(info) ?? throw new InvalidOperationException("could not start maskstream");
        _process.OutputDataReceived += (_, e) => { if (e.Data is not null) _stdout.Enqueue(e.Data); };
        _process.ErrorDataReceived += (_, e) => { if (e.Data is not null) _stderr.Enqueue(e.Data); };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    /// <summary><c>dotnet maskstream.dll args</c> (the executable built beside the tests), output redirected, run from
    /// <paramref name="workingDirectory"/> or the test output folder, with a free Http:Url for a <c>run</c>.</summary>
    public static ProcessStartInfo StartInfo(IEnumerable<string> args, string? workingDirectory = null)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? AppContext.BaseDirectory,
        };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "maskstream.dll"));
        foreach (var a in ServiceArguments.WithFreeHttpPort(args)) info.ArgumentList.Add(a);
        return info;
    }

    public string Name { get; }
    public bool HasExited => _process.HasExited;
    public string StdOut => string.Join('\n', _stdout);
    public string StdErr => string.Join('\n', _stderr);
    public string Output => $"--- {Name} stdout ---\n{StdOut}\n--- {Name} stderr ---\n{StdErr}";

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
                    $"no line '{prefix}…' from {Name} ({(_process.HasExited ? $"exited {_process.ExitCode}" : $"{timeout.TotalSeconds} s")}):\n{Output}");
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
            throw new TimeoutException($"{Name} did not exit within {timeout.TotalSeconds} s:\n{Output}");
        }
        _process.WaitForExit(); // drains the redirected output
        return _process.ExitCode;
    }

    /// <summary>SIGTERM, as systemd stops a service.</summary>
    public void Terminate() => Signal("TERM");

    /// <summary>SIGKILL: no drain, no DISCONNECT, so the broker sends the last will (a crash or an OOM kill).</summary>
    public void KillHard() => Signal("KILL");

    public void Dispose()
    {
        if (!_process.HasExited)
            _process.Kill(entireProcessTree: true);
        _process.Dispose();
    }

    private void Signal(string name)
    {
        using var kill = Process.Start("kill", [$"-{name}", _process.Id.ToString(CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
    }

    /// <summary>A loopback port nobody listens on now (the gap before the service binds it is a race tests accept).</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
