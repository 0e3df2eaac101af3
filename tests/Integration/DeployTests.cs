using System.Diagnostics;
using System.Text.Json;
using MaskStream.Service.Configuration;
using Microsoft.Extensions.Configuration;

namespace MaskStream.Integration.Tests;

/// <summary>deploy/: the systemd unit is what systemd accepts and keeps its hardening, and the environment file's
/// example settings are what the service's strict binder accepts.</summary>
public sealed class DeployTests
{
    private static readonly string Unit = Path.Combine(RepositoryRoot.Path, "deploy", "systemd", "maskstream.service");
    private static readonly string EnvFile = Path.Combine(RepositoryRoot.Path, "deploy", "systemd", "maskstream.env");

    [Fact]
    public void SystemdUnit_NotifyHardenedRestartOnFailure()
    {
        var unit = ParseUnit(File.ReadAllLines(Unit));

        Assert.Equal(["Install", "Service", "Unit"], unit.Keys.Order());
        var service = unit["Service"];
        // AddSystemd() speaks the notify protocol; ExecStart is the executable `dotnet publish -o /opt/maskstream` writes.
        Assert.Equal(["notify"], service["Type"]);
        Assert.Equal(["/opt/maskstream/maskstream run"], service["ExecStart"]);
        Assert.Equal(["maskstream"], service["User"]);
        Assert.Equal(["strict"], service["ProtectSystem"]);
        Assert.Equal(["yes"], service["ProtectHome"]);
        Assert.Equal(["yes"], service["PrivateTmp"]);
        Assert.Equal(["yes"], service["NoNewPrivileges"]);
        Assert.Equal(["on-failure"], service["Restart"]);
        Assert.True(int.Parse(service["RestartSec"].Single(), System.Globalization.CultureInfo.InvariantCulture) > 0);
        Assert.Equal(["2"], service["RestartPreventExitStatus"]);
        Assert.Contains("/var/lib/maskstream", service["ReadWritePaths"].Single().Split(' '));
        Assert.Equal(["/etc/maskstream"], service["WorkingDirectory"]);
        Assert.Equal(["-/etc/maskstream/maskstream.env"], service["EnvironmentFile"]);
        Assert.Equal(["multi-user.target"], unit["Install"]["WantedBy"]);
        // USB cameras and GPUs are devices: nothing may switch systemd's device policy to closed.
        Assert.DoesNotContain(service.Keys, k => k is "PrivateDevices" or "DeviceAllow" or "DevicePolicy" or "ProtectClock");
        // systemd kills a service that does not ping its watchdog; only set WatchdogSec once the host sends WATCHDOG=1.
        bool hostPings = Directory.EnumerateFiles(Path.Combine(RepositoryRoot.Path, "src", "Service"), "*.cs", SearchOption.AllDirectories)
            .Any(f => File.ReadAllText(f).Contains("WATCHDOG=1", StringComparison.Ordinal));
        Assert.Equal(hostPings, service.ContainsKey("WatchdogSec"));
        // The stop allowance covers the service's own drain (Service:ShutdownTimeout) plus the host's 15 s margin.
        Assert.True(TimeSpan.FromSeconds(int.Parse(service["TimeoutStopSec"].Single(), System.Globalization.CultureInfo.InvariantCulture))
                    >= ShippedShutdownTimeout() + TimeSpan.FromSeconds(15));
    }

    [Fact]
    public async Task SystemdUnit_VerifiedBySystemdAnalyzeWhereSystemdIsInstalled()
    {
        var lines = File.ReadAllLines(Unit);
        // Without systemd (a bare container) the INI check above is what there is; with it, systemd itself reads the unit.
        var analyze = new[] { "/usr/bin/systemd-analyze", "/bin/systemd-analyze" }.FirstOrDefault(File.Exists);
        if (analyze is null || OperatingSystem.IsWindows())
        {
            Assert.NotEmpty(ParseUnit(lines)["Service"]);
            return;
        }
        // verify insists that ExecStart exists: the same unit, pointed at a stand-in executable.
        var folder = Directory.CreateTempSubdirectory("maskstream-unit-").FullName;
        try
        {
            var exe = Path.Combine(folder, "maskstream");
            File.WriteAllText(exe, "#!/bin/sh\n");
            File.SetUnixFileMode(exe, (UnixFileMode)0b111_101_101);
            var copy = Path.Combine(folder, "maskstream.service");
            File.WriteAllLines(copy, lines.Select(l => l.StartsWith("ExecStart=/opt/maskstream/maskstream ", StringComparison.Ordinal)
                ? "ExecStart=" + exe + l["ExecStart=/opt/maskstream/maskstream".Length..] : l));
            var info = new ProcessStartInfo(analyze) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            info.ArgumentList.Add("verify");
            info.ArgumentList.Add(copy);
            using var p = Process.Start(info)!;
            var output = p.StandardOutput.ReadToEndAsync();
            var errors = p.StandardError.ReadToEndAsync();
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            await p.WaitForExitAsync(cts.Token);
            var all = await output + await errors;
            Assert.True(p.ExitCode == 0, $"systemd-analyze verify exited {p.ExitCode}: {all}");
            // Unknown keys and bad values are only warnings ("Unknown key 'X' in section [Service], ignoring"): none allowed.
            Assert.DoesNotContain(all.Split('\n'), l => l.Contains("maskstream.service", StringComparison.Ordinal));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void EnvironmentFileExample_UncommentedBindsStrictly_OverTheShippedSettings()
    {
        // As AddEnvironmentVariables reads them: Section__Key=value, "__" meaning ":".
        var settings = new Dictionary<string, string?>();
        foreach (var raw in File.ReadAllLines(EnvFile))
        {
            var line = raw.TrimStart('#').Trim();
            int eq = line.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0 || !line[..eq].Contains("__", StringComparison.Ordinal) || line[..eq].Contains(' ', StringComparison.Ordinal))
                continue;
            settings[line[..eq].Replace("__", ":", StringComparison.Ordinal)] = line[(eq + 1)..];
        }
        Assert.True(settings.Count >= 10, $"only {settings.Count} example settings");
        var configuration = new ConfigurationBuilder()
            .AddJsonFile(Path.Combine(RepositoryRoot.Path, "appsettings.json"))
            .AddInMemoryCollection(settings)
            .Build();

        var options = ServiceOptions.Bind(configuration);

        Assert.Equal(("edge-7", "mqtt.example.net", 8883, true), (options.Service.InstanceId, options.Mqtt.Host, options.Mqtt.Port, options.Mqtt.UseTls));
        Assert.Equal(["door", "yard"], options.Cameras.Select(c => c.Id));
        Assert.Equal("rtsp://viewer:secret@192.168.1.20:554/stream1", options.Cameras[0].Uri);
    }

    /// <summary>Section name → key → values (a key may repeat, e.g. After=); comments and blank lines skipped; a line
    /// that is neither a section, a comment nor Key=Value fails the test.</summary>
    private static Dictionary<string, Dictionary<string, List<string>>> ParseUnit(IEnumerable<string> lines)
    {
        var unit = new Dictionary<string, Dictionary<string, List<string>>>();
        Dictionary<string, List<string>>? section = null;
        foreach (var raw in lines)
        {
            var line = raw.Trim();
            if (line.Length == 0 || line[0] is '#' or ';')
                continue;
            if (line[0] == '[' && line[^1] == ']')
            {
                section = new Dictionary<string, List<string>>();
                unit.Add(line[1..^1], section);
                continue;
            }
            int eq = line.IndexOf('=', StringComparison.Ordinal);
            Assert.True(section is not null && eq > 0, $"not Key=Value inside a section: '{raw}'");
            var key = line[..eq].Trim();
            if (!section!.TryGetValue(key, out var values))
                section[key] = values = [];
            values.Add(line[(eq + 1)..].Trim());
        }
        return unit;
    }

    private static TimeSpan ShippedShutdownTimeout()
    {
        using var settings = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepositoryRoot.Path, "appsettings.json")));
        return TimeSpan.Parse(settings.RootElement.GetProperty("Service").GetProperty("ShutdownTimeout").GetString()!,
            System.Globalization.CultureInfo.InvariantCulture);
    }
}
