namespace MaskStream.Detector.Tests.Support;

/// <summary>
/// The shipped model (models/maskstream-tiny, as it is in the checkout) and torchvision's outputs for it, computed in
/// the test run by tools/model/reference.py on the eight crowded frames of fixtures/detector/shipped-frames, and by
/// tests/Detector/batch_reference.py on the mixed-size frames of fixtures/detector/batch-frames (batched and each
/// alone). The cache key covers the model's files, so a retrained model gets fresh reference outputs without edits.
/// </summary>
public sealed class ShippedModelFixture
{
    public ShippedModelFixture()
    {
        string repo = Fixtures.RepoRoot();
        ModelDir = Path.Combine(repo, "models", "maskstream-tiny");
        FramesDir = Path.Combine(Fixtures.Dir, "shipped-frames");
        BatchFrames = Directory.GetFiles(Path.Combine(Fixtures.Dir, "batch-frames"), "*.png").Order().ToArray();
        string batchScript = Path.Combine(repo, "tests", "Detector", "batch_reference.py");
        var inputs = ReferenceRun.ToolFiles(repo).Append(batchScript)
            .Concat(Directory.GetFiles(ModelDir).Order())
            .Concat(Directory.GetFiles(FramesDir).Order())
            .Concat(BatchFrames);
        Root = ReferenceRun.Ensure("shipped", inputs, "threads:2", root =>
        {
            ReferenceRun.Python($"{Path.Combine(repo, "tools", "model", "reference.py")} --model {ModelDir} --input {FramesDir} " +
                                $"--output {Path.Combine(root, "reference.jsonl")} --threads 2");
            ReferenceRun.Python($"{batchScript} --model {ModelDir} --output-dir {Path.Combine(root, "batch")} --threads 2 " +
                                string.Join(' ', BatchFrames));
        });
        ReferenceJsonl = Path.Combine(Root, "reference.jsonl");
        BatchedJsonl = Path.Combine(Root, "batch", "batched.jsonl");
        AloneJsonl = Path.Combine(Root, "batch", "alone.jsonl");
        BatchJson = Path.Combine(Root, "batch", "batch.json");
    }

    public string Root { get; }
    public string ModelDir { get; }
    public string FramesDir { get; }

    /// <summary>Frames of different sizes (several cameras), in batch order.</summary>
    public string[] BatchFrames { get; }

    /// <summary>torchvision on each of <see cref="FramesDir"/>'s frames alone.</summary>
    public string ReferenceJsonl { get; }

    /// <summary>torchvision on <see cref="BatchFrames"/> in one forward call, one line per frame.</summary>
    public string BatchedJsonl { get; }

    /// <summary>torchvision on each of <see cref="BatchFrames"/> alone.</summary>
    public string AloneJsonl { get; }

    /// <summary>torchvision's resized sizes and padded batch size of <see cref="BatchFrames"/>.</summary>
    public string BatchJson { get; }
}

[CollectionDefinition(Name)]
public sealed class ShippedModelCollection : ICollectionFixture<ShippedModelFixture>
{
    public const string Name = "shipped model";
}
