using System.Globalization;

namespace MaskStream.Ingest.Tests.Support;

/// <summary>This test process's children as /proc shows them (Linux), to prove that no ffmpeg is left behind.</summary>
internal static class ChildProcesses
{
    /// <summary>Children of this process whose command line contains <paramref name="fragment"/>.</summary>
    public static List<int> WithCommandLine(string fragment)
    {
        var found = new List<int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out int pid))
                continue;
            try
            {
                if (ParentOf(pid) == Environment.ProcessId &&
                    File.ReadAllText(Path.Combine(dir, "cmdline")).Replace('\0', ' ').Contains(fragment, StringComparison.Ordinal))
                    found.Add(pid);
            }
            catch (IOException)
            {
                // Gone while we looked.
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
        return found;
    }

    /// <summary>True while the process exists, zombies included (a child that exited but was never reaped).</summary>
    public static bool Exists(int pid) => File.Exists($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat");

    private static int ParentOf(int pid)
    {
        // /proc/PID/stat: "pid (comm) state ppid ..."; comm may hold spaces, so read after its closing parenthesis.
        var stat = File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return int.Parse(fields[1], CultureInfo.InvariantCulture);
    }
}
