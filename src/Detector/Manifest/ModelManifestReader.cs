using System.Collections.Immutable;
using System.Text.Json;
using MaskStream.Detector.Heads;
using MaskStream.Detector.Rpn;

namespace MaskStream.Detector.Manifest;

/// <summary>
/// Reads and checks model.json. Every problem is a <see cref="ModelFormatException"/> whose message names the file
/// and the field (as a JSON path such as <c>rpn.nms_thresh</c>). Graph files are checked against the manifest
/// when sessions are created (<see cref="Runtime.OnnxGraphs"/>).
/// </summary>
public static class ModelManifestReader
{
    /// <summary>format_version values this reader understands.</summary>
    public const int SupportedFormatVersion = 1;

    public static ModelManifest Load(string modelDirectory)
    {
        if (!System.IO.Directory.Exists(modelDirectory))
            throw new ModelFormatException($"Model directory '{modelDirectory}' does not exist.");
        string path = Path.Combine(modelDirectory, "model.json");
        if (!File.Exists(path))
            throw new ModelFormatException($"'{modelDirectory}' is not a model directory: it has no model.json.");
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(File.ReadAllBytes(path));
        }
        catch (JsonException e)
        {
            throw new ModelFormatException($"{path}: not valid JSON ({e.Message}).", e);
        }
        using (doc) return Parse(new Node(path, "", doc.RootElement), modelDirectory);
    }

    private static ModelManifest Parse(Node root, string directory)
    {
        string format = root.Get("format").String();
        if (format != "maskstream.model")
            throw root.Get("format").Error($"is '{format}', expected 'maskstream.model'");
        int version = root.Get("format_version").Int();
        if (version != SupportedFormatVersion)
            throw root.Get("format_version").Error($"is {version}; this MaskStream reads format_version {SupportedFormatVersion} only");

        var classes = root.Get("classes").Array(n => n.String());
        if (classes.Length < 2) throw root.Get("classes").Error("needs the background and at least one class");

        var kpNode = root.Get("keypoints");
        KeypointSpec? keypoints = kpNode.IsNull ? null : new KeypointSpec(
            kpNode.Get("names").Array(n => n.String()),
            kpNode.Get("skeleton").Array(p => { var pair = p.Array(v => v.Int()); return pair.Length == 2 ? (pair[0], pair[1]) : throw p.Error("must be a pair of 1-based keypoint indices"); }),
            kpNode.Get("class").String(), ClassId(kpNode.Get("class_id"), classes.Length));

        var input = root.Get("input");
        var inputSpec = new InputSpec(Floats(input.Get("mean"), 3), Floats(input.Get("std"), 3), input.Get("pad_value").Float(),
            Positive(input.Get("size_divisible")));
        if (input.Get("color_order").String() != "RGB") throw input.Get("color_order").Error("must be 'RGB'");

        var resize = root.Get("resize");
        var resizeSpec = new ResizeSpec(Positive(resize.Get("min_size")), Positive(resize.Get("max_size")));

        var features = root.Get("features");
        var levels = features.Get("levels").Array(l => new FeatureLevelSpec(l.Get("name").String(), Positive(l.Get("stride")),
            l.Get("roi_pool").Bool(), l.Get("feature").String(), l.Get("rpn_objectness").String(), l.Get("rpn_deltas").String()));

        var anchors = root.Get("anchors");
        var anchorSpec = new AnchorSpec(anchors.Get("sizes").Array(s => s.Array(v => v.Float())),
            anchors.Get("aspect_ratios").Array(v => v.Float()));
        if (anchorSpec.Sizes.Length != levels.Length)
            throw anchors.Get("sizes").Error($"has {anchorSpec.Sizes.Length} levels but features.levels has {levels.Length}");

        var rpn = root.Get("rpn");
        var rpnOptions = new RpnOptions(Positive(rpn.Get("pre_nms_top_n_test")), Positive(rpn.Get("post_nms_top_n_test")),
            Fraction(rpn.Get("nms_thresh")), rpn.Get("score_thresh").Float(), rpn.Get("min_size").Float(),
            Weights(rpn.Get("box_coder_weights")), rpn.Get("bbox_xform_clip").Float());

        var box = root.Get("box_head");
        var boxSpec = new BoxHeadSpec(box.Get("graph").String(), RoiAlign(box.Get("roi_align")), new BoxHeadOptions(
            Weights(box.Get("box_coder_weights")), box.Get("bbox_xform_clip").Float(), box.Get("score_thresh").Float(),
            Fraction(box.Get("nms_thresh")), Positive(box.Get("detections_per_img")), box.Get("min_size").Float()));

        var mask = root.Get("mask_head");
        MaskHeadSpec? maskSpec = mask.IsNull ? null : new MaskHeadSpec(mask.Get("graph").String(), RoiAlign(mask.Get("roi_align")),
            Positive(mask.Get("mask_size")), mask.Get("mask_threshold").Float(), mask.Get("paste_padding").Int());
        if (maskSpec is { PastePadding: not 1 }) throw mask.Get("paste_padding").Error("must be 1 (torchvision pads the mask by one pixel)");

        var kph = root.Get("keypoint_head");
        KeypointHeadSpec? kpSpec = kph.IsNull ? null : new KeypointHeadSpec(kph.Get("graph").String(), RoiAlign(kph.Get("roi_align")),
            Positive(kph.Get("heatmap_size")), kph.Get("class").String(), ClassId(kph.Get("class_id"), classes.Length));
        if (kpSpec is not null && keypoints is null) throw root.Get("keypoints").Error("is null but keypoint_head is not");

        var lm = root.Get("level_mapper");
        var lmSpec = new LevelMapperSpec(Positive(lm.Get("canonical_scale")), lm.Get("canonical_level").Int(), lm.Get("k_min").Int(),
            lm.Get("k_max").Int(), lm.Get("eps").Float());

        var graphs = root.Get("graphs");
        var graphSet = new GraphSet(Graph(graphs, "backbone_rpn")!, Graph(graphs, boxSpec.Graph)!,
            maskSpec is null ? null : Graph(graphs, maskSpec.Graph), kpSpec is null ? null : Graph(graphs, kpSpec.Graph));

        var manifest = new ModelManifest(directory, version, root.Get("name").String(), root.Get("arch").String(), classes,
            keypoints, inputSpec, resizeSpec, levels, Positive(features.Get("channels")), anchorSpec, rpnOptions, boxSpec,
            maskSpec, kpSpec, lmSpec, graphSet);
        CheckFeatmaps(root, manifest);
        return manifest;
    }

    private static void CheckFeatmaps(Node root, ModelManifest m)
    {
        var pooled = m.Levels.Where(l => l.RoiPool).Select(l => l.Name).ToArray();
        foreach (var (key, spec) in new (string, RoiAlignSpec?)[]
                 { ("box_head", m.BoxHead.RoiAlign), ("mask_head", m.MaskHead?.RoiAlign), ("keypoint_head", m.KeypointHead?.RoiAlign) })
        {
            if (spec is null) continue;
            if (!spec.FeatmapNames.SequenceEqual(pooled))
                throw root.Get(key).Get("roi_align").Get("featmap_names").Error(
                    $"is [{string.Join(",", spec.FeatmapNames)}] but the levels with roi_pool are [{string.Join(",", pooled)}]");
        }
        if (pooled.Length == 0) throw root.Get("features").Get("levels").Error("has no level with roi_pool");
    }

    private static GraphSpec? Graph(Node graphs, string key)
    {
        var g = graphs.Get(key);
        return new GraphSpec(key, g.Get("file").String(), g.Get("inputs").Array(Tensor), g.Get("outputs").Array(Tensor));
    }

    private static TensorSpec Tensor(Node t) => new(t.Get("name").String(),
        t.Get("shape").Array(d => d.Kind == JsonValueKind.Number ? new Dim(d.Int(), null) : new Dim(null, d.String())),
        t.Get("dtype").String());

    private static RoiAlignSpec RoiAlign(Node n)
    {
        var size = n.Get("output_size").Array(v => v.Int());
        if (size.Length != 2 || size[0] < 1 || size[1] < 1) throw n.Get("output_size").Error("must be [height, width], both >= 1");
        return new RoiAlignSpec(size[0], size[1], n.Get("sampling_ratio").Int(), n.Get("aligned").Bool(),
            n.Get("featmap_names").Array(v => v.String()));
    }

    private static BoxCoderWeights Weights(Node n)
    {
        var w = Floats(n, 4);
        foreach (float v in w)
            if (!(v > 0f)) throw n.Error("must be four numbers > 0 (wx, wy, ww, wh)");
        return new BoxCoderWeights(w[0], w[1], w[2], w[3]);
    }

    private static float[] Floats(Node n, int count)
    {
        var v = n.Array(x => x.Float());
        return v.Length == count ? v.ToArray() : throw n.Error($"must hold {count} numbers, has {v.Length}");
    }

    private static int Positive(Node n)
    {
        int v = n.Int();
        return v >= 1 ? v : throw n.Error($"is {v}; must be >= 1");
    }

    private static double Fraction(Node n)
    {
        double v = n.Double();
        return v is >= 0f and <= 1f ? v : throw n.Error($"is {v}; must be in [0, 1]");
    }

    private static int ClassId(Node n, int classCount)
    {
        int v = n.Int();
        return v >= 1 && v < classCount ? v : throw n.Error($"is {v}; must be a class label in 1..{classCount - 1}");
    }

    /// <summary>A JSON element with its path in the file, so every error can say where it is.</summary>
    private readonly struct Node(string file, string path, JsonElement element)
    {
        public JsonValueKind Kind => element.ValueKind;

        public bool IsNull => element.ValueKind is JsonValueKind.Null or JsonValueKind.Undefined;

        public Node Get(string name)
        {
            string child = path.Length == 0 ? name : path + "." + name;
            if (element.ValueKind != JsonValueKind.Object) throw Error("must be an object");
            return element.TryGetProperty(name, out var v)
                ? new Node(file, child, v)
                : throw new ModelFormatException($"{file}: field '{child}' is missing.");
        }

        public ImmutableArray<T> Array<T>(Func<Node, T> item)
        {
            if (element.ValueKind != JsonValueKind.Array) throw Error("must be an array");
            var b = ImmutableArray.CreateBuilder<T>(element.GetArrayLength());
            int i = 0;
            foreach (var e in element.EnumerateArray()) b.Add(item(new Node(file, $"{path}[{i++}]", e)));
            return b.MoveToImmutable();
        }

        public string String() =>
            element.ValueKind == JsonValueKind.String ? element.GetString()! : throw Error("must be a string");

        public int Int() =>
            element.ValueKind == JsonValueKind.Number && element.TryGetInt32(out int v) ? v : throw Error("must be an integer");

        public float Float() =>
            element.ValueKind == JsonValueKind.Number && float.IsFinite(element.GetSingle()) ? element.GetSingle() : throw Error("must be a finite number");

        public double Double() =>
            element.ValueKind == JsonValueKind.Number && double.IsFinite(element.GetDouble()) ? element.GetDouble() : throw Error("must be a finite number");

        public bool Bool() => element.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw Error("must be true or false"),
        };

        public ModelFormatException Error(string problem) => new($"{file}: field '{path}' {problem}.");
    }
}
