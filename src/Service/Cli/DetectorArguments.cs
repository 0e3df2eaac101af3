using System.CommandLine;
using MaskStream.Detector;
using MaskStream.Kernels.MaskPaste;

namespace MaskStream.Service.Cli;

/// <summary>The detector's options shared by the offline verbs (<c>--model</c>, <c>--device</c>, <c>--threads</c>,
/// <c>--min-score</c>, <c>--mask-paste</c>, <c>--exact-keypoints</c>), added to a command and read back as <see cref="DetectorOptions"/>.</summary>
internal sealed class DetectorArguments
{
    private readonly Option<string> _model;
    private readonly Option<string> _device = new("--device") { Description = "cpu or cuda (the CUDA build of ONNX Runtime).", DefaultValueFactory = _ => "cpu" };
    private readonly Option<int> _threads = new("--threads") { Description = "ONNX Runtime and kernel threads (0 = all cores).", DefaultValueFactory = _ => 2 };
    private readonly Option<float> _minScore;
    private readonly Option<string> _maskPaste = new("--mask-paste")
    {
        Description = "torchvision (its paste_masks_in_image, the default) or aligned (each pixel centre sampled at its exact place " +
            "in the box, as detectron2 pastes: more accurate masks, not torchvision's).",
        DefaultValueFactory = _ => "torchvision",
    };
    private readonly Option<bool> _exactKeypoints = new("--exact-keypoints")
    {
        Description = "Keypoints exactly where torchvision's heatmaps_to_keypoints puts them (whole pixels of the resized input), " +
            "without the sub-pixel refinement (at most half a pixel) that is on by default.",
    };

    /// <param name="command">Receives the options: --model first, the others after the caller's own.</param>
    /// <param name="minScoreDescription">What <c>--min-score</c> means for this verb.</param>
    /// <param name="modelRequired">False where the verb can do without a model (and checks <see cref="HasModel"/> itself).</param>
    public DetectorArguments(Command command, string minScoreDescription, bool modelRequired = true)
    {
        _model = new Option<string>("--model") { Description = "Model directory (model.json + ONNX graphs, from tools/model/export.py).", Required = modelRequired };
        _minScore = new Option<float>("--min-score") { Description = minScoreDescription, DefaultValueFactory = _ => 0f };
        command.Options.Add(_model);
    }

    /// <summary>Adds --device, --threads, --min-score, --mask-paste and --exact-keypoints (after the verb's own options, for --help).</summary>
    public void AddTuningOptions(Command command)
    {
        command.Options.Add(_device);
        command.Options.Add(_threads);
        command.Options.Add(_minScore);
        command.Options.Add(_maskPaste);
        command.Options.Add(_exactKeypoints);
    }

    /// <exception cref="CliException">A value out of range, naming the option and what is allowed.</exception>
    public DetectorOptions ReadOptions(ParseResult r)
    {
        string device = r.GetValue(_device)!;
        int threads = r.GetValue(_threads);
        float minScore = r.GetValue(_minScore);
        return new DetectorOptions
        {
            Device = device.ToLowerInvariant() switch
            {
                "cpu" => DetectorDevice.Cpu,
                "cuda" => DetectorDevice.Cuda,
                _ => throw new CliException($"--device {device}: expected cpu or cuda"),
            },
            IntraOpThreads = threads is >= 0 and <= 256 ? threads : throw new CliException($"--threads {threads}: expected 0..256"),
            ScoreThreshold = minScore is >= 0f and <= 1f ? minScore : throw new CliException($"--min-score {minScore}: expected a number in [0, 1]"),
            KeypointSubpixel = !r.GetValue(_exactKeypoints),
            MaskPaste = r.GetValue(_maskPaste)!.ToLowerInvariant() switch
            {
                "torchvision" => MaskPasteMode.Torchvision,
                "aligned" => MaskPasteMode.Aligned,
                var other => throw new CliException($"--mask-paste {other}: expected torchvision or aligned"),
            },
        };
    }

    public bool HasModel(ParseResult r) => r.GetValue(_model) is not null;

    /// <exception cref="CliException">The model directory is missing or not a model, naming it.</exception>
    public Detector.Detector Load(ParseResult r, DetectorOptions options)
    {
        string model = r.GetValue(_model)!;
        try
        {
            return Detector.Detector.Load(model, options);
        }
        catch (DetectorException e)
        {
            throw new CliException($"--model {model}: {e.Message}", e);
        }
    }
}
