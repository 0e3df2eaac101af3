using MaskStream.Detector.Manifest;
using Microsoft.ML.OnnxRuntime;

namespace MaskStream.Detector.Runtime;

/// <summary>
/// The model's ONNX Runtime sessions, each checked against model.json when created: tensor names, ranks, fixed sizes
/// and element types, and that the heads agree with the manifest (class count, channels, RoI sizes, keypoints).
/// </summary>
internal sealed class OnnxGraphs : IDisposable
{
    private OnnxGraphs(InferenceSession backboneRpn, InferenceSession boxHead, InferenceSession? maskHead,
        InferenceSession? keypointHead)
    {
        BackboneRpn = backboneRpn;
        BoxHead = boxHead;
        MaskHead = maskHead;
        KeypointHead = keypointHead;
    }

    public InferenceSession BackboneRpn { get; }
    public InferenceSession BoxHead { get; }
    public InferenceSession? MaskHead { get; }
    public InferenceSession? KeypointHead { get; }

    public static OnnxGraphs Create(ModelManifest m, DetectorOptions options)
    {
        var created = new List<InferenceSession>();
        try
        {
            InferenceSession Open(GraphSpec g)
            {
                var s = OpenSession(m, g, options);
                created.Add(s);
                CheckAgainstManifest(m, g, s);
                return s;
            }
            var backbone = Open(m.Graphs.BackboneRpn);
            var box = Open(m.Graphs.BoxHead);
            var mask = m.Graphs.MaskHead is null ? null : Open(m.Graphs.MaskHead);
            var keypoint = m.Graphs.KeypointHead is null ? null : Open(m.Graphs.KeypointHead);
            CheckHeads(m);
            return new OnnxGraphs(backbone, box, mask, keypoint);
        }
        catch
        {
            foreach (var s in created) s.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        BackboneRpn.Dispose();
        BoxHead.Dispose();
        MaskHead?.Dispose();
        KeypointHead?.Dispose();
    }

    private static InferenceSession OpenSession(ModelManifest m, GraphSpec g, DetectorOptions options)
    {
        string path = Path.Combine(m.Directory, g.File);
        if (!File.Exists(path))
            throw new ModelFormatException($"{path}: graph file '{g.Key}' named in {m.ManifestPath} is missing.");
        using var so = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            IntraOpNumThreads = options.IntraOpThreads,
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
        };
        // Idle intra-op workers spin by default. Between graphs our own kernels run on these cores, and on the shared
        // 2-core machine other processes do too: spinning took 2.5x the CPU time per frame of 1 thread, for no wall-clock
        // gain while a neighbour was busy (docs/PERFORMANCE.md).
        so.AddSessionConfigEntry("session.intra_op.allow_spinning", options.IntraOpSpinning ? "1" : "0");
        if (options.Device == DetectorDevice.Cuda) AppendCuda(so);
        try
        {
            return new InferenceSession(path, so);
        }
        catch (OnnxRuntimeException e)
        {
            throw new ModelFormatException($"{path}: ONNX Runtime cannot load this graph ({FirstLine(e.Message)}).", e);
        }
    }

    private static void AppendCuda(SessionOptions so)
    {
        try
        {
            so.AppendExecutionProvider_CUDA(0);
        }
        catch (Exception e) when (e is OnnxRuntimeException or EntryPointNotFoundException or DllNotFoundException)
        {
            throw new DetectorException(
                "Detector:Device = cuda, but ONNX Runtime's CUDA execution provider is not available (" + FirstLine(e.Message) +
                "). Build with -p:MaskStreamCuda=true (ONNX Runtime GPU package) on a machine with the CUDA 12 runtime and cuDNN 9, or set Detector:Device = cpu.", e);
        }
    }

    /// <summary>Every tensor model.json lists exists in the graph with the same rank, fixed sizes and dtype.</summary>
    private static void CheckAgainstManifest(ModelManifest m, GraphSpec g, InferenceSession s)
    {
        string path = Path.Combine(m.Directory, g.File);
        void Check(string kind, IReadOnlyList<TensorSpec> specs, IReadOnlyDictionary<string, NodeMetadata> actual)
        {
            foreach (var spec in specs)
            {
                if (!actual.TryGetValue(spec.Name, out var meta))
                    throw new ModelFormatException(
                        $"{path}: model.json names {kind} '{spec.Name}' but the graph's {kind}s are [{string.Join(", ", actual.Keys)}].");
                if (spec.DType != "float32" || meta.ElementType != typeof(float))
                    throw new ModelFormatException($"{path}: {kind} '{spec.Name}' is {meta.ElementType.Name} in the graph and {spec.DType} in model.json; both must be float32.");
                int[] dims = meta.Dimensions;
                bool same = dims.Length == spec.Shape.Length;
                for (int i = 0; same && i < dims.Length; i++)
                    same = !spec.Shape[i].IsFixed || dims[i] == spec.Shape[i].Size;
                if (!same)
                    throw new ModelFormatException(
                        $"{path}: {kind} '{spec.Name}' has shape [{Format(dims)}] in the graph but [{string.Join(",", spec.Shape)}] in model.json.");
            }
        }
        Check("input", g.Inputs, s.InputMetadata);
        Check("output", g.Outputs, s.OutputMetadata);
    }

    /// <summary>The manifest's graph shapes agree with its own classes, channels, RoI sizes and keypoints.</summary>
    private static void CheckHeads(ModelManifest m)
    {
        int k = m.NumClasses, c = m.FeatureChannels;
        var box = m.Graphs.BoxHead;
        Expect(m, box, box.Inputs, 0, [null, c, m.BoxHead.RoiAlign.OutputHeight, m.BoxHead.RoiAlign.OutputWidth], "RoI features [R, C, 7, 7]");
        Expect(m, box, box.Outputs, 0, [null, k], $"class logits [R, K] with K = {k} classes (model.json classes)");
        Expect(m, box, box.Outputs, 1, [null, 4 * k], $"box deltas [R, 4K] with K = {k} classes (model.json classes)");
        if (m.MaskHead is { } mh && m.Graphs.MaskHead is { } mg)
        {
            Expect(m, mg, mg.Inputs, 0, [null, c, mh.RoiAlign.OutputHeight, mh.RoiAlign.OutputWidth], "mask RoI features [R, C, 14, 14]");
            Expect(m, mg, mg.Outputs, 0, [null, k, mh.MaskSize, mh.MaskSize], $"mask logits [R, K, M, M] with K = {k} classes");
        }
        if (m.KeypointHead is { } kh && m.Graphs.KeypointHead is { } kg)
        {
            int j = m.Keypoints!.Names.Length;
            Expect(m, kg, kg.Inputs, 0, [null, c, kh.RoiAlign.OutputHeight, kh.RoiAlign.OutputWidth], "keypoint RoI features [R, C, 14, 14]");
            Expect(m, kg, kg.Outputs, 0, [null, j, kh.HeatmapSize, kh.HeatmapSize], $"heatmaps [R, J, M, M] with J = {j} keypoints (model.json keypoints.names)");
        }
        var bb = m.Graphs.BackboneRpn;
        Expect(m, bb, bb.Inputs, 0, [null, 3, null, null], "image [N, 3, H, W]");
        for (int l = 0; l < m.Levels.Length; l++)
        {
            int a = m.Anchors.AnchorsPerLocation(l);
            ExpectNamed(m, bb, m.Levels[l].Feature, [null, c, null, null], "feature [N, C, h, w]");
            ExpectNamed(m, bb, m.Levels[l].RpnObjectness, [null, a, null, null], $"RPN objectness [N, A, h, w] with A = {a} anchors per location");
            ExpectNamed(m, bb, m.Levels[l].RpnDeltas, [null, 4 * a, null, null], $"RPN deltas [N, 4A, h, w] with A = {a}");
        }
    }

    private static void ExpectNamed(ModelManifest m, GraphSpec g, string name, int?[] shape, string what)
    {
        int i = g.Outputs.IndexOf(g.Outputs.FirstOrDefault(t => t.Name == name)!);
        if (i < 0)
            throw new ModelFormatException($"{m.ManifestPath}: features.levels names output '{name}' but graphs.{g.Key}.outputs does not list it.");
        Expect(m, g, g.Outputs, i, shape, what);
    }

    private static void Expect(ModelManifest m, GraphSpec g, IReadOnlyList<TensorSpec> list, int index, int?[] shape, string what)
    {
        if (index >= list.Count)
            throw new ModelFormatException($"{Path.Combine(m.Directory, g.File)}: expected {what}, but the graph has only {list.Count} tensors there.");
        var t = list[index];
        bool ok = t.Shape.Length == shape.Length;
        for (int i = 0; ok && i < shape.Length; i++)
            ok = shape[i] is null || (t.Shape[i].IsFixed && t.Shape[i].Size == shape[i]);
        if (!ok)
            throw new ModelFormatException(
                $"{Path.Combine(m.Directory, g.File)}: '{t.Name}' is [{string.Join(",", t.Shape)}], expected {what} = [{string.Join(",", shape.Select(v => v?.ToString() ?? "*"))}].");
    }

    private static string Format(int[] dims) => string.Join(",", dims.Select(d => d < 0 ? "?" : d.ToString()));

    private static string FirstLine(string message)
    {
        int i = message.IndexOf('\n');
        return (i < 0 ? message : message[..i]).Trim();
    }
}
