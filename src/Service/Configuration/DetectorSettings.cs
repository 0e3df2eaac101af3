using System.Globalization;
using MaskStream.Detector;
using MaskStream.Kernels.MaskPaste;

namespace MaskStream.Service.Configuration;

/// <summary>The <c>Detector</c> section: the model, where it runs and how frames are batched across cameras.</summary>
public sealed record DetectorSettings
{
    public const string Section = "Detector";

    /// <summary>Model directory (model.json + ONNX graphs). A relative path is looked up in the working directory
    /// first, then beside the executable and in the folders above it (so a build inside the repository finds
    /// <c>models/</c> from anywhere).</summary>
    public string Model { get; init; } = "models/maskstream-tiny";

    public DetectorDevice Device { get; init; } = DetectorDevice.Cpu;

    /// <summary>ONNX Runtime and kernel threads (0 = ONNX Runtime's choice).</summary>
    public int IntraOpThreads { get; init; } = 2;

    /// <summary>Detections below this score are dropped before the mask and keypoint heads, where the frame budget goes.</summary>
    public float ScoreThreshold { get; init; } = 0.5f;

    /// <summary>Keypoints refined within their pixel (at most half a pixel of the resized input from torchvision's
    /// heatmaps_to_keypoints); false publishes torchvision's positions exactly.</summary>
    public bool KeypointSubpixel { get; init; } = true;

    /// <summary>torchvision (its paste_masks_in_image: parity, the default) or aligned (each pixel centre sampled at its
    /// exact place in the box, as detectron2 pastes: more accurate masks, not torchvision's).</summary>
    public MaskPasteMode MaskPaste { get; init; } = MaskPasteMode.Torchvision;

    /// <summary>Most frames in one detector call (at most one per camera).</summary>
    public int MaxBatch { get; init; } = 4;

    /// <summary>How long a batch that is not full waits for more frames; 0 runs whatever is ready at once.</summary>
    public TimeSpan MaxBatchWait { get; init; } = TimeSpan.FromMilliseconds(5);

    public DetectorOptions ToDetectorOptions() => new()
    {
        Device = Device,
        IntraOpThreads = IntraOpThreads,
        ScoreThreshold = ScoreThreshold,
        KeypointSubpixel = KeypointSubpixel,
        MaskPaste = MaskPaste,
    };

    /// <exception cref="ConfigurationException">The first bad value.</exception>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Model))
            throw new ConfigurationException($"{Section}:Model", Model, "a model directory (model.json + ONNX graphs from tools/model/export.py)");
        if (!Enum.IsDefined(Device))
            throw new ConfigurationException($"{Section}:Device", Device.ToString(), "expected cpu or cuda");
        if (IntraOpThreads is < 0 or > 256)
            throw new ConfigurationException($"{Section}:IntraOpThreads", Text(IntraOpThreads), "must be in 0..256 (0 = ONNX Runtime's choice)");
        if (!(ScoreThreshold is >= 0f and <= 1f))
            throw new ConfigurationException($"{Section}:ScoreThreshold", Text(ScoreThreshold), "must be in [0, 1]");
        if (!Enum.IsDefined(MaskPaste))
            throw new ConfigurationException($"{Section}:MaskPaste", MaskPaste.ToString(), "expected torchvision or aligned");
        if (MaxBatch is < 1 or > 64)
            throw new ConfigurationException($"{Section}:MaxBatch", Text(MaxBatch), "must be in 1..64");
        if (MaxBatchWait < TimeSpan.Zero || MaxBatchWait > TimeSpan.FromSeconds(1))
            throw new ConfigurationException($"{Section}:MaxBatchWait", MaxBatchWait.ToString(), "must be in 00:00:00..00:00:01");
    }

    /// <summary>The model directory <see cref="Model"/> names, or null when neither the working directory nor the
    /// executable's folder or any folder above it has it.</summary>
    public string? ResolveModel(string workingDirectory, string appBase)
    {
        if (Path.IsPathRooted(Model))
            return Directory.Exists(Model) ? Path.GetFullPath(Model) : null;
        var candidate = Path.GetFullPath(Path.Combine(workingDirectory, Model));
        if (Directory.Exists(candidate))
            return candidate;
        for (var dir = new DirectoryInfo(appBase); dir is not null; dir = dir.Parent)
        {
            candidate = Path.GetFullPath(Path.Combine(dir.FullName, Model));
            if (Directory.Exists(candidate))
                return candidate;
        }
        return null;
    }

    private static string Text(IFormattable v) => v.ToString(null, CultureInfo.InvariantCulture);
}
