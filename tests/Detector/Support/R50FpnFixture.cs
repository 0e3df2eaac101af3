namespace MaskStream.Detector.Tests.Support;

/// <summary>
/// A random-init ResNet-50-FPN with box, mask and keypoint heads (export.py --arch maskrcnn_keypoint_resnet50_fpn
/// --weights none), exported in the test run, and torchvision's outputs and intermediates (reference.py) on one
/// 500x375 frame, which the model's resize rule takes to 799x1066 (PARITY §2's rounding trap) padded to 800x1088.
/// Export ~40 s and reference ~60 s of CPU; kept by <see cref="ReferenceRun"/> (~0.6 GB in the temp folder).
/// </summary>
public sealed class R50FpnFixture
{
    // --no-verify: the graphs are checked against torchvision here, stage by stage (R50StageParityTests).
    private const string ExportArgs = "--arch maskrcnn_keypoint_resnet50_fpn --weights none --seed 7 --no-verify";

    public R50FpnFixture()
    {
        string repo = Fixtures.RepoRoot();
        FramePath = Path.Combine(Fixtures.Dir, "batch-frames", "d_500x375.png");
        Root = ReferenceRun.Ensure("r50", ReferenceRun.ToolFiles(repo).Append(FramePath), ExportArgs + "|threads:2", root =>
        {
            string tools = Path.Combine(repo, "tools", "model");
            ReferenceRun.Python($"{Path.Combine(tools, "export.py")} {ExportArgs} --out {Path.Combine(root, "model")}");
            ReferenceRun.Python($"{Path.Combine(tools, "reference.py")} --model {Path.Combine(root, "model")} --input {FramePath} " +
                                $"--output {Path.Combine(root, "reference.jsonl")} --intermediates {Path.Combine(root, "intermediates")} " +
                                "--intermediate-frames 1 --threads 2");
        });
        ModelDir = Path.Combine(Root, "model");
        ReferenceJsonl = Path.Combine(Root, "reference.jsonl");
        Intermediates = Path.Combine(Root, "intermediates", "frame_000000");
    }

    public string Root { get; }
    public string ModelDir { get; }
    public string FramePath { get; }
    public string ReferenceJsonl { get; }
    public string Intermediates { get; }
}

[CollectionDefinition(Name)]
public sealed class R50FpnCollection : ICollectionFixture<R50FpnFixture>
{
    public const string Name = "R50-FPN model";
}
