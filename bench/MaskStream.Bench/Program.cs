using BenchmarkDotNet.Running;

namespace MaskStream.Bench;

/// <summary>
/// Benchmarks of MaskStream's hot paths. Run all with
/// <c>dotnet run -c Release --project bench/MaskStream.Bench -- --filter '*'</c>, or pick with
/// <c>--filter '*Synthetic*'</c>; add <c>--job short</c> for a quick estimate.
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        // Not a BenchmarkDotNet run: per-stage detector times on frames (DetectorStages).
        if (args.Length > 0 && args[0] == "detector-stages") return DetectorStages.Run(args[1..]);
        if (args.Length > 0 && args[0] == "detector-graphs") return DetectorGraphs.Run(args[1..]);
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
        return 0;
    }
}
