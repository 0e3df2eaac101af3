using System.Diagnostics;
using System.Security.Cryptography;

namespace MaskStream.Detector.Tests.Support;

/// <summary>
/// Generated test inputs (exported models, torchvision's outputs) kept in the temp folder under a hash of everything
/// they are made from, so they are regenerated in every fresh checkout or CI run, and whenever a script, frame, model
/// or command line they depend on changes, but not by every test class that shares them.
/// </summary>
internal static class ReferenceRun
{
    /// <summary>
    /// The folder for <paramref name="name"/> keyed by the bytes of <paramref name="inputs"/> and <paramref name="text"/>,
    /// running <paramref name="build"/> into it first unless an earlier run completed it. Safe across test processes.
    /// </summary>
    public static string Ensure(string name, IEnumerable<string> inputs, string text, Action<string> build)
    {
        string root = Path.Combine(Path.GetTempPath(), "maskstream-detector-tests", $"{name}-{Key(inputs, text)}");
        string done = Path.Combine(root, "done");
        if (File.Exists(done)) return root;
        Directory.CreateDirectory(root);
        using var gate = new FileStream(Path.Combine(root, "lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1,
            FileOptions.None);
        if (File.Exists(done)) return root;
        build(root);
        File.WriteAllText(done, DateTime.UtcNow.ToString("O"));
        return root;
    }

    /// <summary>The tools/model scripts that export models and compute torchvision's outputs.</summary>
    public static IEnumerable<string> ToolFiles(string repo) =>
        new[] { "export.py", "reference.py", "architectures.py", "rle.py", "onnx_eval.py", "errors.py" }
            .Select(f => Path.Combine(repo, "tools", "model", f));

    /// <summary>Runs Debian's python3 (torch, torchvision) from the repository root; throws with its output on failure.</summary>
    public static void Python(string args)
    {
        var info = new ProcessStartInfo("/usr/bin/python3", args)
        {
            WorkingDirectory = Fixtures.RepoRoot(),
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var p = Process.Start(info) ?? throw new InvalidOperationException("cannot start /usr/bin/python3");
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromMinutes(10)))
        {
            p.Kill(true);
            throw new TimeoutException($"python3 {args} did not finish in 10 minutes");
        }
        if (p.ExitCode != 0)
            throw new InvalidOperationException(
                $"python3 {args} exited {p.ExitCode} (needs Debian's python3-torch / python3-torchvision, see scripts/bootstrap):\n{stdout.Result}\n{stderr.Result}");
    }

    private static string Key(IEnumerable<string> inputs, string text)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        sha.AppendData(System.Text.Encoding.UTF8.GetBytes(text));
        foreach (var f in inputs)
        {
            sha.AppendData(System.Text.Encoding.UTF8.GetBytes(Path.GetFileName(f)));
            sha.AppendData(File.ReadAllBytes(f));
        }
        return Convert.ToHexString(sha.GetHashAndReset())[..16];
    }
}
