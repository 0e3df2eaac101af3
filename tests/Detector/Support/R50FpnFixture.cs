namespace MaskStream.Detector.Tests.Support;

/// <summary>
/// A random-init ResNet-50-FPN architecture of export.py (<c>--weights none</c>), exported in the test run, and
/// torchvision's outputs and intermediates (reference.py) on one 500x375 frame, which the COCO models' resize rule
/// takes to 799x1066 (PARITY §2's rounding trap) padded to 800x1088. Export ~40 s and reference ~60 s of CPU per
/// architecture; kept by <see cref="ReferenceRun"/> (~0.6 GB each in the temp folder).
/// </summary>
public abstract class R50FpnFixtureBase
{
    protected R50FpnFixtureBase(string arch, int seed)
    {
        Arch = arch;
        // --no-verify: the graphs are checked against torchvision here, stage by stage (R50*StageParityTests).
        string exportArgs = $"--arch {arch} --weights none --seed {seed} --no-verify";
        string repo = Fixtures.RepoRoot();
        FramePath = Path.Combine(Fixtures.Dir, "batch-frames", "d_500x375.png");
        Root = ReferenceRun.Ensure(arch, ReferenceRun.ToolFiles(repo).Append(FramePath), exportArgs + "|threads:2", root =>
        {
            string tools = Path.Combine(repo, "tools", "model");
            ReferenceRun.Python($"{Path.Combine(tools, "export.py")} {exportArgs} --out {Path.Combine(root, "model")}");
            ReferenceRun.Python($"{Path.Combine(tools, "reference.py")} --model {Path.Combine(root, "model")} --input {FramePath} " +
                                $"--output {Path.Combine(root, "reference.jsonl")} --intermediates {Path.Combine(root, "intermediates")} " +
                                "--intermediate-frames 1 --threads 2");
        });
        ModelDir = Path.Combine(Root, "model");
        ReferenceJsonl = Path.Combine(Root, "reference.jsonl");
        Intermediates = Path.Combine(Root, "intermediates", "frame_000000");
    }

    public string Arch { get; }
    public string Root { get; }
    public string ModelDir { get; }
    public string FramePath { get; }
    public string ReferenceJsonl { get; }
    public string Intermediates { get; }
}

/// <summary>R50-FPN v1 with box, mask and keypoint heads in one RoIHeads (91 COCO classes).</summary>
public sealed class R50FpnFixture() : R50FpnFixtureBase("maskrcnn_keypoint_resnet50_fpn", 7);

/// <summary>torchvision's <c>maskrcnn_resnet50_fpn</c>: box and mask heads, FrozenBatchNorm.</summary>
public sealed class R50MaskRcnnFixture() : R50FpnFixtureBase("maskrcnn_resnet50_fpn", 11);

/// <summary>torchvision's <c>maskrcnn_resnet50_fpn_v2</c>: BatchNorm, 2-conv RPN head, 4-conv + FC box head.</summary>
public sealed class R50MaskRcnnV2Fixture() : R50FpnFixtureBase("maskrcnn_resnet50_fpn_v2", 12);

/// <summary>torchvision's <c>keypointrcnn_resnet50_fpn</c>: box and keypoint heads, no mask head, 2 classes.</summary>
public sealed class R50KeypointRcnnFixture() : R50FpnFixtureBase("keypointrcnn_resnet50_fpn", 13);

[CollectionDefinition(Name)]
public sealed class R50FpnCollection : ICollectionFixture<R50FpnFixture>
{
    public const string Name = "R50-FPN model";
}

[CollectionDefinition(Name)]
public sealed class R50MaskRcnnCollection : ICollectionFixture<R50MaskRcnnFixture>
{
    public const string Name = "maskrcnn_resnet50_fpn model";
}

[CollectionDefinition(Name)]
public sealed class R50MaskRcnnV2Collection : ICollectionFixture<R50MaskRcnnV2Fixture>
{
    public const string Name = "maskrcnn_resnet50_fpn_v2 model";
}

[CollectionDefinition(Name)]
public sealed class R50KeypointRcnnCollection : ICollectionFixture<R50KeypointRcnnFixture>
{
    public const string Name = "keypointrcnn_resnet50_fpn model";
}
