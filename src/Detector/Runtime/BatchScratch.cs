using MaskStream.Core.Geometry;
using MaskStream.Core.Masks;
using MaskStream.Core.Objects;
using MaskStream.Detector.Heads;
using MaskStream.Detector.Rpn;
using MaskStream.Kernels.RoiAlign;

namespace MaskStream.Detector.Runtime;

/// <summary>
/// The detector's reusable buffers: sized for the largest batch seen so far, never shrunk, never handed out.
/// After warm-up a batch of the same shape allocates none of them again.
/// </summary>
internal sealed class BatchScratch(int levels)
{
    public readonly List<int> Valid = [];
    public readonly List<FeatureLevel> Pooled = [];
    public readonly GridSize[] Grids = new GridSize[levels];
    public readonly RpnLevel[] RpnLevels = new RpnLevel[levels];
    public readonly NativeFloatMemory[] FeatureMemory = Make(levels);
    public readonly NativeFloatMemory[] ObjectnessMemory = Make(levels);
    public readonly NativeFloatMemory[] DeltaMemory = Make(levels);
    public readonly NativeFloatMemory HeatmapMemory = new();

    public (int Height, int Width)[] Resized = [];
    public int[] ProposalStart = [], ProposalCount = [], DetectionCount = [];
    public float[] Image = [], RoiFeatures = [], MaskProbabilities = [];
    public BoxF[] Proposals = [];
    public float[] ProposalScores = [];
    public RoiBox[] Rois = [];
    public RawDetection[] Detections = [];
    public int[] KeypointRow = [];
    public BoxF[] FrameBoxes = [];
    public RleMask[] Masks = [];
    public float[] Maskness = [];
    public Keypoint[] KeypointValues = [];
    public BoxF[] KeypointBoxes = [];

    public void BeginBatch(int n)
    {
        if (Resized.Length >= n) return;
        Resized = new (int, int)[n];
        ProposalStart = new int[n];
        ProposalCount = new int[n];
        DetectionCount = new int[n];
    }

    /// <summary>A float buffer of at least <paramref name="n"/>, grown in place when too small.</summary>
    public float[] Floats(ref float[] buffer, int n)
    {
        if (buffer.Length < n) buffer = GC.AllocateUninitializedArray<float>(Math.Max(n, buffer.Length * 3 / 2));
        return buffer;
    }

    public void EnsureRois(int n)
    {
        if (Rois.Length < n) Rois = new RoiBox[Math.Max(n, Rois.Length * 3 / 2)];
        if (Proposals.Length < n)
        {
            Proposals = new BoxF[Math.Max(n, Proposals.Length * 3 / 2)];
            ProposalScores = new float[Proposals.Length];
        }
    }

    public void EnsureDetections(int n)
    {
        if (Detections.Length >= n) return;
        Detections = new RawDetection[n];
        KeypointRow = new int[n];
    }

    public void EnsureMasks(int n)
    {
        if (Masks.Length >= n) return;
        Masks = new RleMask[Math.Max(n, Masks.Length * 3 / 2)];
        FrameBoxes = new BoxF[Masks.Length];
        Maskness = new float[Masks.Length];
    }

    public void EnsureKeypoints(int n, int j)
    {
        if (KeypointValues.Length < n * j) KeypointValues = new Keypoint[Math.Max(n * j, KeypointValues.Length * 3 / 2)];
        if (KeypointBoxes.Length < n) KeypointBoxes = new BoxF[Math.Max(n, KeypointBoxes.Length * 3 / 2)];
    }

    private static NativeFloatMemory[] Make(int n)
    {
        var a = new NativeFloatMemory[n];
        for (int i = 0; i < n; i++) a[i] = new NativeFloatMemory();
        return a;
    }
}
