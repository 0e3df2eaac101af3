using BenchmarkDotNet.Running;

namespace MaskStream.Bench;

/// <summary>
/// Benchmarks of MaskStream's hot paths. Run all with
/// <c>dotnet run -c Release --project bench/MaskStream.Bench -- --filter '*'</c>, or pick with
/// <c>--filter '*Synthetic*'</c>; add <c>--job short</c> for a quick estimate.
/// </summary>
public static class Program
{
    public static void Main(string[] args) => BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
}
