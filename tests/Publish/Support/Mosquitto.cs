using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace MaskStream.Publish.Tests.Support;

/// <summary>A real mosquitto on a free loopback port, with a generated config in a temp folder. Stop/Start keep the
/// port and (when <c>persistence</c>) the broker's sessions, like a broker restart in production.</summary>
internal sealed class Mosquitto : IDisposable
{
    private readonly string _folder;
    private readonly string _config;
    private Process? _process;

    public Mosquitto(bool persistence = false, (string User, string Password)? account = null)
    {
        _folder = Directory.CreateTempSubdirectory("maskstream-mosquitto-").FullName;
        // mosquitto started as root drops to the 'mosquitto' user, which must still read the password file and write
        // the persistence database here.
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(_folder, (UnixFileMode)0b111_111_111);
        Port = FreePort();
        var lines = new List<string>
        {
            $"listener {Port} 127.0.0.1",
            $"persistence {(persistence ? "true" : "false")}",
            "log_dest none",
        };
        if (persistence)
            lines.Add($"persistence_location {_folder}/");
        if (account is { } a)
        {
            var passwords = Path.Combine(_folder, "passwd");
            Run("mosquitto_passwd", $"-c -b {passwords} {a.User} {a.Password}");
            if (!OperatingSystem.IsWindows())
                File.SetUnixFileMode(passwords, (UnixFileMode)0b110_100_100);
            lines.Add("allow_anonymous false");
            lines.Add($"password_file {passwords}");
        }
        else
        {
            lines.Add("allow_anonymous true");
        }
        _config = Path.Combine(_folder, "mosquitto.conf");
        File.WriteAllLines(_config, lines);
        Start();
    }

    public int Port { get; }

    public void Start()
    {
        _process = Process.Start(new ProcessStartInfo("mosquitto", $"-c {_config}")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        })!;
        WaitUntilListening();
    }

    /// <summary>SIGTERM (mosquitto saves its persistence database), then waits for the exit.</summary>
    public void Stop()
    {
        if (_process is null)
            return;
        Run("kill", $"-TERM {_process.Id}");
        if (!_process.WaitForExit(10_000))
            _process.Kill();
        _process.Dispose();
        _process = null;
    }

    public void Dispose()
    {
        if (_process is { HasExited: false })
            _process.Kill();
        _process?.Dispose();
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp folder is harmless.
        }
    }

    private void WaitUntilListening()
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(15))
        {
            if (_process!.HasExited)
                throw new InvalidOperationException($"mosquitto exited at start: {_process.StandardError.ReadToEnd()}");
            try
            {
                using var probe = new TcpClient();
                probe.Connect(IPAddress.Loopback, Port);
                return;
            }
            catch (SocketException)
            {
                Thread.Sleep(50);
            }
        }
        throw new TimeoutException($"mosquitto did not listen on 127.0.0.1:{Port} within 15 s");
    }

    private static void Run(string file, string arguments)
    {
        using var p = Process.Start(new ProcessStartInfo(file, arguments) { UseShellExecute = false, RedirectStandardError = true })!;
        if (!p.WaitForExit(10_000) || p.ExitCode != 0)
            throw new InvalidOperationException($"{file} {arguments} failed: {p.StandardError.ReadToEnd()}");
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
