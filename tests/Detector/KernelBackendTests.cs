using System.Text.Json.Nodes;
using ILGPU.Runtime.Cuda;
using MaskStream.Core.Geometry;
using MaskStream.Core.Masks;
using MaskStream.Detector.Runtime;
using MaskStream.Detector.Tests.Support;
using Xunit.Abstractions;

namespace MaskStream.Detector.Tests;

/// <summary>
/// The CUDA path's kernels (ILGPU RoIAlign and mask paste) inside the whole detector, run on ILGPU's CPU accelerator
/// because no GPU is where the tests run, against the CPU kernels on the same frames.
/// </summary>
[Collection(TinyModelCollection.Name)]
public sealed class KernelBackendTests(TinyModelFixture model, ITestOutputHelper output)
{
    [Fact]
    public void Detect_WithIlgpuKernelsOnTheCpuAccelerator_GivesTheCpuKernelsDetections()
    {
        // ILGPU's CPU accelerator emulates every GPU thread (a 300-proposal batch took minutes on the shared 2-core
        // machine): fewer proposals and detections per image, set in the model's own model.json, keep the test short.
        string dir = SmallerModel(64, 15);
        using var cpu = Detector.Load(dir, new DetectorOptions { Kernels = KernelBackend.Cpu });
        using var ilgpu = Detector.Load(dir, new DetectorOptions { Kernels = KernelBackend.IlgpuCpu });
        var files = Directory.GetFiles(model.FramesDir, "*.png").Order().Take(2).ToArray();
        var frames = files.Select((f, i) => Fixtures.LoadFrame(f, i)).ToArray();
        try
        {
            // Two frames in one batch: the second frame's RoIs carry batch index 1.
            var expected = cpu.Detect(frames);
            var actual = ilgpu.Detect(frames);
            int detections = 0, masks = 0, keypoints = 0;
            double maxBox = 0, maxScore = 0, maxKeypoint = 0;
            for (int f = 0; f < expected.Length; f++)
            {
                Assert.True(expected[f].IsSuccess && actual[f].IsSuccess, expected[f].Error ?? actual[f].Error);
                var e = expected[f].Detected!.Detections;
                var a = actual[f].Detected!.Detections;
                Assert.Equal(e.Length, a.Length);
                for (int i = 0; i < e.Length; i++)
                {
                    Assert.Equal(e[i].ClassId, a[i].ClassId);
                    maxScore = Math.Max(maxScore, Math.Abs(e[i].Score - a[i].Score));
                    maxBox = Math.Max(maxBox, MaxCornerDistance(e[i].Box, a[i].Box));
                    Assert.Equal(e[i].Keypoints.Length, a[i].Keypoints.Length);
                    for (int j = 0; j < e[i].Keypoints.Length; j++, keypoints++)
                        maxKeypoint = Math.Max(maxKeypoint, Math.Max(Math.Abs(e[i].Keypoints[j].X - a[i].Keypoints[j].X),
                            Math.Abs(e[i].Keypoints[j].Y - a[i].Keypoints[j].Y)));
                    if (e[i].Mask is { } em)
                    {
                        masks++;
                        double iou = em.Area == 0 && a[i].Mask!.Area == 0 ? 1 : RleMask.PixelIou(em, a[i].Mask!, false);
                        Assert.True(iou >= 0.999, $"frame {f} detection {i}: mask IoU {iou}");
                    }
                    detections++;
                }
            }
            output.WriteLine($"{detections} detections ({masks} masks, {keypoints} keypoints): max |d box| {maxBox:E2} px, " +
                             $"max |d score| {maxScore:E2}, max |d keypoint| {maxKeypoint:E2} px");
            Assert.True(detections >= 20, $"only {detections} detections: too few to compare");
            // Both kernels run RoiAlignMath / PasteMath with the same f32 operations; allow float noise from a
            // different summation schedule on the accelerator.
            Assert.True(maxBox <= 1e-3 && maxScore <= 1e-5 && maxKeypoint <= 1e-3,
                $"max |d box| {maxBox}, |d score| {maxScore}, |d keypoint| {maxKeypoint}");
        }
        finally
        {
            foreach (var f in frames) f.Dispose();
        }
    }

    [Fact]
    public void IlgpuCudaKernels_WithoutAGpu_FailWithAMessageNamingTheMissingDevice()
    {
        using (var context = ILGPU.Context.Create(b => b.Cuda()))
        {
            if (context.GetCudaDevices().Count > 0)
            {
                // A machine with a GPU: the CUDA kernels load there instead.
                DetectorKernels.Create(KernelBackend.IlgpuCuda, 1).Dispose();
                return;
            }
        }
        var e = Assert.Throws<DetectorException>(() => DetectorKernels.Create(KernelBackend.IlgpuCuda, 1).Dispose());
        Assert.Equal(
            "Detector:Device = cuda, but ILGPU finds no CUDA device for the RoIAlign and mask-paste kernels (no NVIDIA GPU, " +
            "or the NVIDIA driver's libcuda is not installed). Set Detector:Device = cpu.", e.Message);
    }

    /// <summary>The tiny model with fewer RPN proposals and detections per image (graphs linked, not copied).</summary>
    private string SmallerModel(int proposals, int detections)
    {
        string dir = Path.Combine(model.Root, $"small-{proposals}-{detections}");
        Directory.CreateDirectory(dir);
        foreach (var f in Directory.GetFiles(model.ModelDir, "*.onnx"))
        {
            string link = Path.Combine(dir, Path.GetFileName(f));
            if (!File.Exists(link)) File.CreateSymbolicLink(link, f);
        }
        var json = JsonNode.Parse(File.ReadAllText(Path.Combine(model.ModelDir, "model.json")))!;
        json["rpn"]!["post_nms_top_n_test"] = proposals;
        json["box_head"]!["detections_per_img"] = detections;
        File.WriteAllText(Path.Combine(dir, "model.json"), json.ToJsonString());
        return dir;
    }

    private static double MaxCornerDistance(BoxF a, BoxF b) => Math.Max(
        Math.Max(Math.Abs(a.X1 - b.X1), Math.Abs(a.Y1 - b.Y1)), Math.Max(Math.Abs(a.X2 - b.X2), Math.Abs(a.Y2 - b.Y2)));
}
