using System.Collections.Immutable;
using MaskStream.Detector.Heads;
using MaskStream.Detector.Rpn;

namespace MaskStream.Detector.Manifest;

/// <summary>
/// model.json (docs/MODEL_FORMAT.md) as records. Pixels are resized-input pixels unless a field says otherwise.
/// Read with <see cref="ModelManifestReader.Load"/>.
/// </summary>
/// <param name="Directory">The model directory (graph files are relative to it).</param>
/// <param name="Classes">Class names by label; 0 is the background.</param>
public sealed record ModelManifest(
    string Directory,
    int FormatVersion,
    string Name,
    string Arch,
    ImmutableArray<string> Classes,
    KeypointSpec? Keypoints,
    InputSpec Input,
    ResizeSpec Resize,
    ImmutableArray<FeatureLevelSpec> Levels,
    int FeatureChannels,
    AnchorSpec Anchors,
    RpnOptions Rpn,
    BoxHeadSpec BoxHead,
    MaskHeadSpec? MaskHead,
    KeypointHeadSpec? KeypointHead,
    LevelMapperSpec LevelMapper,
    GraphSet Graphs)
{
    /// <summary>The model.json path, for messages.</summary>
    public string ManifestPath => Path.Combine(Directory, "model.json");

    /// <summary>K, background included.</summary>
    public int NumClasses => Classes.Length;
}

/// <summary>Keypoint names in heatmap order, 1-based skeleton pairs, and the class that gets keypoints.</summary>
public sealed record KeypointSpec(ImmutableArray<string> Names, ImmutableArray<(int A, int B)> Skeleton, string ClassName, int ClassId);

/// <summary>Normalisation of the graph input: RGB / 255, then (x − mean) / std per channel; pad value and divisibility.</summary>
public sealed record InputSpec(float[] Mean, float[] Std, float PadValue, int SizeDivisible);

/// <summary>The eval resize rule: shorter side to MinSize unless the longer side would pass MaxSize.</summary>
public sealed record ResizeSpec(int MinSize, int MaxSize);

/// <summary>One FPN level in graph output order.</summary>
/// <param name="Name">torchvision's feature name ("0", …, "pool").</param>
/// <param name="Stride">Nominal stride (anchor shifts use padded_size // grid_size instead).</param>
/// <param name="RoiPool">Whether MultiScaleRoIAlign pools this level.</param>
public sealed record FeatureLevelSpec(string Name, int Stride, bool RoiPool, string Feature, string RpnObjectness, string RpnDeltas);

/// <summary>Anchor sizes per level and aspect ratios (height / width).</summary>
public sealed record AnchorSpec(ImmutableArray<ImmutableArray<float>> Sizes, ImmutableArray<float> AspectRatios)
{
    /// <summary>A per level.</summary>
    public int AnchorsPerLocation(int level) => Sizes[level].Length * AspectRatios.Length;
}

/// <summary>RoIAlign settings of a head.</summary>
public sealed record RoiAlignSpec(int OutputHeight, int OutputWidth, int SamplingRatio, bool Aligned, ImmutableArray<string> FeatmapNames);

public sealed record BoxHeadSpec(string Graph, RoiAlignSpec RoiAlign, BoxHeadOptions Options);

/// <param name="MaskSize">M of the [R, K, M, M] logits (28).</param>
/// <param name="MaskThreshold">A pasted probability <c>&gt;</c> this is in the mask.</param>
public sealed record MaskHeadSpec(string Graph, RoiAlignSpec RoiAlign, int MaskSize, float MaskThreshold, int PastePadding);

/// <param name="HeatmapSize">M of the [R, J, M, M] heatmaps (56).</param>
public sealed record KeypointHeadSpec(string Graph, RoiAlignSpec RoiAlign, int HeatmapSize, string ClassName, int ClassId);

public sealed record LevelMapperSpec(int CanonicalScale, int CanonicalLevel, int KMin, int KMax, float Eps);

/// <summary>The graphs of the model: backbone+RPN and box head always, mask and keypoint heads when present.</summary>
public sealed record GraphSet(GraphSpec BackboneRpn, GraphSpec BoxHead, GraphSpec? MaskHead, GraphSpec? KeypointHead);

/// <param name="Key">The key in model.json "graphs" (backbone_rpn, box_head, mask_head, keypoint_head).</param>
/// <param name="File">File name relative to the model directory.</param>
public sealed record GraphSpec(string Key, string File, ImmutableArray<TensorSpec> Inputs, ImmutableArray<TensorSpec> Outputs);

/// <summary>A graph input or output: name, shape (a fixed size, or a symbol such as "N" for a dynamic axis) and dtype.</summary>
public sealed record TensorSpec(string Name, ImmutableArray<Dim> Shape, string DType)
{
    public override string ToString() => $"{Name} [{string.Join(",", Shape)}] {DType}";
}

/// <summary>One axis of a tensor: a fixed <see cref="Size"/> or a dynamic <see cref="Symbol"/>.</summary>
public readonly record struct Dim(int? Size, string? Symbol)
{
    public bool IsFixed => Size.HasValue;

    public override string ToString() => Size?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? Symbol ?? "?";
}
