using System.Text.Json.Nodes;
using MaskStream.Detector.Manifest;
using MaskStream.Detector.Tests.Support;

namespace MaskStream.Detector.Tests;

/// <summary>Loading a model directory: every bad model gives one message naming the file and the problem.</summary>
[Collection(TinyModelCollection.Name)]
public sealed class ModelManifestTests(TinyModelFixture model) : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "maskstream-manifest-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, true);
    }

    [Fact]
    public void Load_TinyModel_ReadsEveryField()
    {
        var m = ModelManifestReader.Load(model.ModelDir);
        Assert.Equal(["__background__", "person", "car", "dog"], m.Classes.ToArray());
        Assert.Equal(["0", "1", "2", "pool"], m.Levels.Select(l => l.Name));
        Assert.Equal([true, true, true, false], m.Levels.Select(l => l.RoiPool));
        Assert.Equal(6, m.Anchors.AnchorsPerLocation(0));
        Assert.Equal((480, 640), (m.Resize.MinSize, m.Resize.MaxSize));
        Assert.Equal((1000, 300, 0.7), (m.Rpn.PreNmsTopN, m.Rpn.PostNmsTopN, m.Rpn.NmsThresh));
        Assert.Equal(new BoxCoderWeights(10, 10, 5, 5), m.BoxHead.Options.Weights);
        Assert.Equal((0.05f, 0.5, 100, 0.01f), (m.BoxHead.Options.ScoreThresh, m.BoxHead.Options.NmsThresh, m.BoxHead.Options.DetectionsPerImg, m.BoxHead.Options.MinSize));
        Assert.Equal((28, 56, 1), (m.MaskHead!.MaskSize, m.KeypointHead!.HeatmapSize, m.KeypointHead.ClassId));
        Assert.Equal(17, m.Keypoints!.Names.Length);
        Assert.Equal((16, 14), m.Keypoints.Skeleton[0]);
        Assert.False(m.BoxHead.RoiAlign.Aligned);
    }

    [Fact]
    public void Load_UnknownFormatVersion_NamesTheFieldAndTheSupportedVersion()
    {
        string dir = Copy(json => json["format_version"] = 2);
        var e = Assert.Throws<ModelFormatException>(() => ModelManifestReader.Load(dir));
        Assert.Equal($"{Path.Combine(dir, "model.json")}: field 'format_version' is 2; this MaskStream reads format_version 1 only.", e.Message);
    }

    [Fact]
    public void Load_MissingField_NamesItsPath()
    {
        string dir = Copy(json => json["rpn"]!.AsObject().Remove("nms_thresh"));
        var e = Assert.Throws<ModelFormatException>(() => ModelManifestReader.Load(dir));
        Assert.Equal($"{Path.Combine(dir, "model.json")}: field 'rpn.nms_thresh' is missing.", e.Message);
    }

    [Fact]
    public void DetectorLoad_MissingGraphFile_NamesTheFile()
    {
        string dir = Copy(_ => { });
        File.Delete(Path.Combine(dir, "mask_head.onnx"));
        var e = Assert.Throws<ModelFormatException>(() => Detector.Load(dir));
        Assert.Equal($"{Path.Combine(dir, "mask_head.onnx")}: graph file 'mask_head' named in {Path.Combine(dir, "model.json")} is missing.", e.Message);
    }

    [Fact]
    public void DetectorLoad_CorruptOnnx_NamesTheFile()
    {
        string dir = Copy(_ => { });
        File.WriteAllBytes(Path.Combine(dir, "box_head.onnx"), [1, 2, 3, 4, 5, 6, 7, 8]);
        var e = Assert.Throws<ModelFormatException>(() => Detector.Load(dir));
        Assert.StartsWith($"{Path.Combine(dir, "box_head.onnx")}: ONNX Runtime cannot load this graph (", e.Message);
    }

    [Fact]
    public void DetectorLoad_ClassCountDisagreesWithBoxHead_SaysSo()
    {
        string dir = Copy(json => json["classes"]!.AsArray().Add("cat"));
        var e = Assert.Throws<ModelFormatException>(() => Detector.Load(dir));
        Assert.Equal($"{Path.Combine(dir, "box_head.onnx")}: 'class_logits' is [R,4], expected class logits [R, K] with K = 5 classes (model.json classes) = [*,5].", e.Message);
    }

    [Fact]
    public void DetectorLoad_TensorNameNotInGraph_ListsTheGraphsNames()
    {
        string dir = Copy(json => json["graphs"]!["box_head"]!["outputs"]![0]!["name"] = "logits");
        var e = Assert.Throws<ModelFormatException>(() => Detector.Load(dir));
        Assert.Equal($"{Path.Combine(dir, "box_head.onnx")}: model.json names output 'logits' but the graph's outputs are [class_logits, box_deltas].", e.Message);
    }

    [Fact]
    public void DetectorLoad_ShapeDisagreesWithGraph_ShowsBoth()
    {
        string dir = Copy(json => json["graphs"]!["mask_head"]!["outputs"]![0]!["shape"]![2] = 14);
        var e = Assert.Throws<ModelFormatException>(() => Detector.Load(dir));
        Assert.Equal($"{Path.Combine(dir, "mask_head.onnx")}: output 'mask_logits' has shape [?,4,28,28] in the graph but [R,4,14,28] in model.json.", e.Message);
    }

    [Fact]
    public void DetectorLoad_CudaWithTheCpuRuntime_FailsWithAClearMessage()
    {
        var e = Assert.Throws<DetectorException>(() => Detector.Load(model.ModelDir, new DetectorOptions { Device = DetectorDevice.Cuda }));
        Assert.StartsWith("Detector:Device = cuda, but ONNX Runtime's CUDA execution provider is not available (", e.Message);
        Assert.Contains("-p:MaskStreamCuda=true", e.Message);
    }

    private string Copy(Action<JsonNode> edit)
    {
        Directory.CreateDirectory(_dir);
        foreach (var f in Directory.GetFiles(model.ModelDir, "*.onnx")) File.Copy(f, Path.Combine(_dir, Path.GetFileName(f)));
        var json = JsonNode.Parse(File.ReadAllText(Path.Combine(model.ModelDir, "model.json")))!;
        edit(json);
        File.WriteAllText(Path.Combine(_dir, "model.json"), json.ToJsonString());
        return _dir;
    }
}
