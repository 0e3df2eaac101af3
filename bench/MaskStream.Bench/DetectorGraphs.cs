using System.Diagnostics;
using System.Globalization;
using Microsoft.ML.OnnxRuntime;
using MaskStream.Detector;

namespace MaskStream.Bench;

/// <summary>
/// ONNX Runtime alone on the model's four graphs, with the shapes of a 640×480 frame (backbone_rpn [1,3,480,640],
/// box head on the RPN's post-NMS top-N, mask and keypoint heads on --rois RoIs), for several session settings run in
/// turn (A B C A B C …, so a busy neighbour slows every setting alike):
/// <code>
/// dotnet run -c Release --project bench/MaskStream.Bench -- detector-graphs --model models/maskstream-tiny --rois 45 --runs 10
/// </code>
/// With <c>--compare DIR[,DIR...]</c> it runs the same graph of several model directories (one session each, 1 thread or
/// <c>--threads N</c>, no spinning, full optimisation) in turn and reports wall and process CPU time per run, to compare
/// two exports of one model on a busy machine.
/// </summary>
internal static class DetectorGraphs
{
    private sealed record Setting(string Name, int Threads, bool Spinning, GraphOptimizationLevel Level, string? ConfigKey = null);

    public static int Run(string[] args)
    {
        string model = Arg(args, "--model", "models/maskstream-tiny");
        int rois = int.Parse(Arg(args, "--rois", "45"), CultureInfo.InvariantCulture);
        int boxRois = int.Parse(Arg(args, "--box-rois", "300"), CultureInfo.InvariantCulture);
        int runs = int.Parse(Arg(args, "--runs", "10"), CultureInfo.InvariantCulture);
        string only = Arg(args, "--graphs", "backbone_rpn,box_head,mask_head,keypoint_head");
        int profileThreads = int.Parse(Arg(args, "--profile", "0"), CultureInfo.InvariantCulture);
        string compare = Arg(args, "--compare", "");
        int compareThreads = int.Parse(Arg(args, "--threads", "1"), CultureInfo.InvariantCulture);
        // --one-thread: the session settings that matter at Detector:IntraOpThreads = 1 (reported in process CPU too)
        Setting[] settings = args.Contains("--one-thread")
            ?
            [
                new("1 thread", 1, false, GraphOptimizationLevel.ORT_ENABLE_ALL),
                new("1 thread, extended (no NCHWc)", 1, false, GraphOptimizationLevel.ORT_ENABLE_EXTENDED),
                new("1 thread, denormals as zero", 1, false, GraphOptimizationLevel.ORT_ENABLE_ALL, "session.set_denormal_as_zero"),
                new("1 thread, no memory pattern", 1, false, GraphOptimizationLevel.ORT_ENABLE_ALL, "memory-pattern-off"),
            ]
            :
            [
                new("2 threads, spinning", 2, true, GraphOptimizationLevel.ORT_ENABLE_ALL),
                new("2 threads, no spinning", 2, false, GraphOptimizationLevel.ORT_ENABLE_ALL),
                new("1 thread", 1, false, GraphOptimizationLevel.ORT_ENABLE_ALL),
                new("2 threads, no spinning, extended (no NCHWc)", 2, false, GraphOptimizationLevel.ORT_ENABLE_EXTENDED),
            ];
        var graphs = new (string File, long[] Shape)[]
        {
            ("backbone_rpn", [1, 3, 480, 640]),
            ("box_head", [boxRois, 64, 7, 7]),
            ("mask_head", [rois, 64, 14, 14]),
            ("keypoint_head", [rois, 64, 14, 14]),
        };
        Console.WriteLine($"ONNX Runtime {OrtEnv.Instance().GetVersionString()}, {model}, {runs} runs per setting, interleaved; " +
                          $"load average {string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3))}");
        foreach (var (file, shape) in graphs)
        {
            if (!only.Split(',').Contains(file)) continue;
            var sessions = settings.Select(s => Open(Path.Combine(model, file + ".onnx"), s)).ToArray();
            // the heads' channel count and RoI size from the graph (64×14×14 for tiny, 256×… for the R50 models)
            int[] dims = sessions[0].InputMetadata[sessions[0].InputNames[0]].Dimensions;
            for (int d = 1; d < shape.Length && d < dims.Length; d++)
                if (dims[d] > 0) shape[d] = dims[d];
            var input = new float[shape.Aggregate(1L, (a, b) => a * b)];
            var rng = new Random(1);
            for (int i = 0; i < input.Length; i++) input[i] = (float)rng.NextDouble();
            string inputName = sessions[0].InputNames[0];
            if (compare.Length > 0)
            {
                foreach (var session in sessions) session.Dispose();
                Compare([model, .. compare.Split(',')], file, compareThreads, inputName, input, shape, runs);
                continue;
            }
            if (profileThreads > 0)
            {
                Profile(Path.Combine(model, file + ".onnx"), profileThreads, inputName, input, shape, runs);
                continue;
            }
            var times = settings.Select(_ => new List<double>()).ToArray();
            var cpuTimes = settings.Select(_ => new List<double>()).ToArray();
            using var value = OrtValue.CreateTensorValueFromMemory(input, shape);
            for (int run = -2; run < runs; run++)
            {
                for (int s = 0; s < sessions.Length; s++)
                {
                    double c = ProcessCpuMs();
                    long t = Stopwatch.GetTimestamp();
                    using (var outputs = sessions[s].Run(new RunOptions(), [inputName], [value], sessions[s].OutputNames)) { }
                    if (run < 0) continue;
                    times[s].Add(Stopwatch.GetElapsedTime(t).TotalMilliseconds);
                    cpuTimes[s].Add(ProcessCpuMs() - c);
                }
            }
            Console.WriteLine($"{file} [{string.Join(",", shape)}]:");
            for (int s = 0; s < settings.Length; s++)
            {
                var v = times[s].Order().ToArray();
                var cpu = cpuTimes[s].Order().ToArray();
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  {settings[s].Name,-46} median {v[v.Length / 2],8:F2} ms  min {v[0],8:F2} ms  process CPU median {cpu[cpu.Length / 2],8:F2} ms"));
            }
            foreach (var session in sessions) session.Dispose();
        }
        return 0;
    }

    /// <summary>One graph of several model directories, run in turn: wall and process CPU time per run, medians.</summary>
    private static void Compare(string[] models, string file, int threads, string inputName, float[] input, long[] shape, int runs)
    {
        var setting = new Setting($"{threads} thread(s)", threads, false, GraphOptimizationLevel.ORT_ENABLE_ALL);
        var sessions = models.Select(m => Open(Path.Combine(m, file + ".onnx"), setting)).ToArray();
        var wall = models.Select(_ => new List<double>()).ToArray();
        var cpu = models.Select(_ => new List<double>()).ToArray();
        using var value = OrtValue.CreateTensorValueFromMemory(input, shape);
        for (int run = -2; run < runs; run++)
        {
            for (int m = 0; m < sessions.Length; m++)
            {
                double c = ProcessCpuMs();
                long t = Stopwatch.GetTimestamp();
                using (var outputs = sessions[m].Run(new RunOptions(), [inputName], [value], sessions[m].OutputNames)) { }
                if (run < 0) continue;
                wall[m].Add(Stopwatch.GetElapsedTime(t).TotalMilliseconds);
                cpu[m].Add(ProcessCpuMs() - c);
            }
        }
        Console.WriteLine($"{file} [{string.Join(",", shape)}], {setting.Name}, {runs} runs each, in turn:");
        for (int m = 0; m < models.Length; m++)
        {
            var w = wall[m].Order().ToArray();
            var p = cpu[m].Order().ToArray();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  {models[m],-40} wall median {w[w.Length / 2],8:F2} ms  min {w[0],8:F2} ms   process CPU median {p[p.Length / 2],8:F2} ms"));
        }
        foreach (var session in sessions) session.Dispose();
    }

    private static double ProcessCpuMs()
    {
        long ns = ProcessCpuClock.Nanoseconds();
        return ns == 0 ? double.NaN : ns / 1e6;
    }

    /// <summary>ONNX Runtime's own profiler: time per operator type over the runs, slowest first.</summary>
    private static void Profile(string path, int threads, string inputName, float[] input, long[] shape, int runs)
    {
        using var so = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            IntraOpNumThreads = threads,
            InterOpNumThreads = 1,
            // the prefix first: setting EnableProfiling passes the prefix held at that moment to ORT
            ProfileOutputPathPrefix = Path.Combine(Path.GetTempPath(), "maskstream-ort-profile"),
            EnableProfiling = true,
        };
        using var session = new InferenceSession(path, so);
        using var value = OrtValue.CreateTensorValueFromMemory(input, shape);
        for (int run = 0; run < runs; run++)
        {
            using var outputs = session.Run(new RunOptions(), [inputName], [value], session.OutputNames);
        }
        string file = session.EndProfiling();
        using var doc = System.Text.Json.JsonDocument.Parse(File.ReadAllText(file));
        var perOp = new Dictionary<string, (double Us, int Count)>();
        foreach (var e in doc.RootElement.EnumerateArray())
        {
            if (e.GetProperty("cat").GetString() != "Node" || !e.GetProperty("name").GetString()!.EndsWith("_kernel_time", StringComparison.Ordinal)) continue;
            string op = e.GetProperty("args").GetProperty("op_name").GetString()!;
            var (us, count) = perOp.GetValueOrDefault(op);
            perOp[op] = (us + e.GetProperty("dur").GetDouble(), count + 1);
        }
        Console.WriteLine($"{Path.GetFileName(path)} [{string.Join(",", shape)}], {threads} threads, profile {file}:");
        foreach (var (op, (us, count)) in perOp.OrderByDescending(p => p.Value.Us))
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {op,-28} {us / 1000 / runs,8:F2} ms per run ({count / runs} nodes)"));
    }

    private static InferenceSession Open(string path, Setting s)
    {
        using var so = new SessionOptions
        {
            GraphOptimizationLevel = s.Level,
            IntraOpNumThreads = s.Threads,
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
        };
        if (!s.Spinning) so.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
        if (s.ConfigKey == "memory-pattern-off") so.EnableMemoryPattern = false;
        else if (s.ConfigKey is not null) so.AddSessionConfigEntry(s.ConfigKey, "1");
        return new InferenceSession(path, so);
    }

    private static string Arg(string[] args, string name, string fallback)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
    }
}
