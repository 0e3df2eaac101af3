using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace MaskStream.Ingest.Tests.Support;

/// <summary>A real stream server the tests start (ffmpeg, or GStreamer's RTSP server through python3-gi), killed and
/// reaped in <see cref="Dispose"/>. Its output is kept for failure messages.</summary>
internal sealed class ServingProcess : IDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();

    private ServingProcess(string file, IEnumerable<string> args)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) info.ArgumentList.Add(a);
        _process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {file}");
        _process.OutputDataReceived += (_, e) => { if (e.Data is not null) _output.Enqueue(e.Data); };
        _process.ErrorDataReceived += (_, e) => { if (e.Data is not null) _output.Enqueue(e.Data); };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public string Output => string.Join('\n', _output);
    public int Id => _process.Id;
    public bool HasExited => _process.HasExited;

    /// <summary>A moving test pattern (WxH at fps, a key frame every 5 frames) sent by ffmpeg in real time to
    /// <paramref name="target"/> in the given muxer, e.g. <c>mpegts</c> to a udp:// address.</summary>
    public static ServingProcess Ffmpeg(string target, string format, string codec = "mpeg2video", string size = "160x120", int fps = 25, params string[] outputOptions) =>
        new("ffmpeg", [
            "-hide_banner", "-nostdin", "-loglevel", "warning", "-re",
            "-f", "lavfi", "-i", $"testsrc2=size={size}:rate={fps.ToString(CultureInfo.InvariantCulture)}",
            "-c:v", codec, "-g", "5", "-q:v", "5", .. outputOptions, "-f", format, target,
        ]);

    /// <summary>tests/Ingest/Streams/rtsp_server.py on 127.0.0.1:<paramref name="port"/>, ready when it says so.</summary>
    public static async Task<ServingProcess> RtspAsync(int port, string? user = null, string? password = null)
    {
        var script = Path.Combine(AppContext.BaseDirectory, "Streams", "rtsp_server.py");
        string[] args = user is null ? [script, Port(port), "160", "120", "25"] : [script, Port(port), "160", "120", "25", user, password!];
        var server = new ServingProcess("/usr/bin/python3", args);
        await server.WaitForOutputAsync($"ready {port}", TimeSpan.FromSeconds(20));
        return server;
    }

    public async Task WaitForOutputAsync(string text, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (!_output.Any(l => l.Contains(text, StringComparison.Ordinal)))
        {
            if (_process.HasExited || clock.Elapsed > timeout)
                throw new InvalidOperationException($"no '{text}' from the stream server:\n{Output}");
            await Task.Delay(50);
        }
    }

    /// <summary>SIGSTOP: the server keeps its sockets open and sends nothing (a stream that stalls without closing).</summary>
    public void Suspend() => Signal("STOP");

    public void Resume() => Signal("CONT");

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                Signal("CONT");
                _process.Kill(entireProcessTree: true);
            }
            _process.WaitForExit(5000);
        }
        catch (InvalidOperationException)
        {
        }
        _process.Dispose();
    }

    public static int FreeTcpPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public static int FreeUdpPort()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }

    private static string Port(int port) => port.ToString(CultureInfo.InvariantCulture);

    private void Signal(string signal)
    {
        using var kill = Process.Start("kill", [$"-{signal}", _process.Id.ToString(CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
    }
}
