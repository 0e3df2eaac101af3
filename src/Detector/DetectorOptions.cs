using MaskStream.Kernels.MaskPaste;

namespace MaskStream.Detector;

/// <summary>Where ONNX Runtime runs the graphs (appsettings <c>Detector:Device</c>).</summary>
public enum DetectorDevice
{
    /// <summary>ONNX Runtime's CPU execution provider (the default build).</summary>
    Cpu,

    /// <summary>ONNX Runtime's CUDA execution provider; needs the build with <c>-p:MaskStreamCuda=true</c> and a CUDA runtime.</summary>
    Cuda,
}

/// <summary>Detector settings, validated once by <see cref="Validate"/> when the detector is created.</summary>
public sealed record DetectorOptions
{
    public DetectorDevice Device { get; init; } = DetectorDevice.Cpu;

    /// <summary>
    /// ONNX Runtime intra-op threads, also the workers of our CPU kernels. Tuned for 2 cores: measured on the tiny
    /// model, 1 thread is nearly as fast when a neighbour is busy (docs/DESIGN.md); 0 lets ONNX Runtime choose.
    /// </summary>
    public int IntraOpThreads { get; init; } = 2;

    /// <summary>
    /// Whether ONNX Runtime's idle intra-op threads spin while waiting for work (its default). Off by default: the
    /// spinning competes with our kernels and with every other process on a small shared machine.
    /// </summary>
    public bool IntraOpSpinning { get; init; }

    /// <summary>Frames wider than this are refused (per frame, with a message) rather than resized.</summary>
    public int MaxFrameWidth { get; init; } = 4096;

    /// <summary>Frames taller than this are refused.</summary>
    public int MaxFrameHeight { get; init; } = 4096;

    /// <summary>
    /// Detections scoring below this are dropped before the mask and keypoint heads run (the frame budget goes to
    /// the heads). 0 keeps all that torchvision keeps (score above the model's box_head.score_thresh).
    /// </summary>
    public float ScoreThreshold { get; init; }

    /// <summary>
    /// Keypoints refined within their pixel (the vertex of a parabola through the heatmap maximum and its neighbours),
    /// at most half a pixel of the resized input from torchvision's heatmaps_to_keypoints; false gives its positions exactly.
    /// </summary>
    public bool KeypointSubpixel { get; init; } = true;

    /// <summary>
    /// How masks are pasted into the frame: torchvision's paste_masks_in_image (parity, the default) or the aligned
    /// paste (each pixel centre sampled at its exact place in the box: more accurate masks, not torchvision's).
    /// </summary>
    public MaskPasteMode MaskPaste { get; init; } = MaskPasteMode.Torchvision;

    /// <summary>
    /// RoIAlign and mask paste implementation; null follows <see cref="Device"/> (cpu: the CPU kernels, cuda: the
    /// ILGPU kernels on the GPU). Tests pick the ILGPU kernels on ILGPU's CPU accelerator to run the CUDA path's code.
    /// </summary>
    internal Runtime.KernelBackend? Kernels { get; init; }

    /// <summary>What <see cref="Detector.LastStageTimes"/> measures; the detector-stages benchmark asks for CPU time.</summary>
    internal DetectorStageClock StageClock { get; init; }

    /// <summary>Throws with a message naming the setting, its value and what is allowed.</summary>
    public void Validate()
    {
        if (!Enum.IsDefined(Device))
            throw new ArgumentOutOfRangeException(nameof(Device), $"Detector:Device = {Device}: must be cpu or cuda.");
        if (IntraOpThreads is < 0 or > 256)
            throw new ArgumentOutOfRangeException(nameof(IntraOpThreads), $"Detector:IntraOpThreads = {IntraOpThreads}: must be in [0, 256] (0 = ONNX Runtime's choice).");
        if (MaxFrameWidth < 1 || MaxFrameHeight < 1)
            throw new ArgumentOutOfRangeException(nameof(MaxFrameWidth), $"Detector:MaxFrameWidth x MaxFrameHeight = {MaxFrameWidth}x{MaxFrameHeight}: both must be >= 1.");
        if (!Enum.IsDefined(MaskPaste))
            throw new ArgumentOutOfRangeException(nameof(MaskPaste), $"Detector:MaskPaste = {MaskPaste}: must be torchvision or aligned.");
        if (!(ScoreThreshold >= 0f && ScoreThreshold <= 1f))
            throw new ArgumentOutOfRangeException(nameof(ScoreThreshold), $"Detector:ScoreThreshold = {ScoreThreshold}: must be in [0, 1].");
    }
}
