using MaskStream.Core.Geometry;

namespace MaskStream.Detector.Heads;

/// <summary>
/// torchvision RoIHeads.postprocess_detections for one image (roi_heads.py), PARITY §10: softmax over all K logits
/// (background included), per-class decoding with the box-head weights, clip to the unpadded resized image, drop the
/// background column, flatten proposal-major / class-minor, score <c>&gt;</c> thresh, remove small, per-class NMS, the
/// first DetectionsPerImg. Scratch belongs to the instance and only grows. One call at a time per instance.
/// </summary>
public sealed class BoxPostprocessor(BoxHeadOptions options)
{
    private readonly Nms _nms = new();
    private float[] _probabilities = [];
    private BoxF[] _boxes = [];
    private float[] _scores = [];
    private int[] _labels = [];
    private int[] _keep = [];

    public BoxHeadOptions Options { get; } = options;

    /// <summary>Writes detections in score order (resized-input pixels); returns their count.</summary>
    /// <param name="classLogits">[P, K] box-head logits of this image's proposals.</param>
    /// <param name="boxDeltas">[P, 4K]; class c at columns 4c..4c+3.</param>
    /// <param name="proposals">P proposals, xyxy, resized-input pixels.</param>
    /// <param name="numClasses">K, background included.</param>
    public int Run(ReadOnlySpan<float> classLogits, ReadOnlySpan<float> boxDeltas, ReadOnlySpan<BoxF> proposals,
        int numClasses, int imageHeight, int imageWidth, Span<RawDetection> detections)
    {
        int p = proposals.Length, k = numClasses;
        if (k < 2) throw new ArgumentOutOfRangeException(nameof(numClasses), $"{k} classes: the box head needs background and at least one class.");
        if (classLogits.Length != p * k || boxDeltas.Length != p * 4 * k)
            throw new ArgumentException(
                $"Box head outputs [{classLogits.Length}] and [{boxDeltas.Length}] floats do not fit {p} proposals x {k} classes.");
        int capacity = p * (k - 1);
        Grow(capacity, k);
        var probs = _probabilities.AsSpan(0, k);
        int n = 0;
        for (int i = 0; i < p; i++)
        {
            Softmax(classLogits.Slice(i * k, k), probs);
            var proposal = proposals[i];
            for (int c = 1; c < k; c++)
            {
                float score = probs[c];
                // f32 compare: f32(0.05) itself is dropped, as in torchvision (a double literal would keep it).
                if (!(score > Options.ScoreThresh)) continue;
                int d = (i * k + c) * 4;
                var box = BoxCoder.Decode(proposal, boxDeltas[d], boxDeltas[d + 1], boxDeltas[d + 2], boxDeltas[d + 3],
                    Options.Weights, Options.LogScaleClip);
                box = BoxCoder.ClipToImage(box, imageWidth, imageHeight);
                if (!BoxCoder.IsLargeEnough(box, Options.MinSize)) continue;
                _boxes[n] = box;
                _scores[n] = score;
                _labels[n++] = c;
            }
        }
        int kept = _nms.RunBatched(_boxes.AsSpan(0, n), _scores.AsSpan(0, n), _labels.AsSpan(0, n), Options.NmsThresh, _keep);
        int count = Math.Min(kept, Math.Min(Options.DetectionsPerImg, detections.Length));
        for (int i = 0; i < count; i++)
        {
            int j = _keep[i];
            detections[i] = new RawDetection(_boxes[j], _scores[j], _labels[j]);
        }
        return count;
    }

    /// <summary>torch.softmax over the last dimension in f32: exp(x − max), then multiplied by 1 / sum.</summary>
    public static void Softmax(ReadOnlySpan<float> logits, Span<float> probabilities)
    {
        float max = float.NegativeInfinity;
        foreach (float v in logits) max = MathF.Max(max, v);
        float sum = 0f;
        for (int i = 0; i < logits.Length; i++)
        {
            probabilities[i] = MathF.Exp(logits[i] - max);
            sum += probabilities[i];
        }
        float inverse = 1f / sum;
        for (int i = 0; i < logits.Length; i++) probabilities[i] *= inverse;
    }

    private void Grow(int capacity, int k)
    {
        if (_probabilities.Length < k) _probabilities = new float[k];
        if (_boxes.Length >= capacity) return;
        int size = Math.Max(capacity, 2 * _boxes.Length);
        _boxes = new BoxF[size];
        _scores = new float[size];
        _labels = new int[size];
        _keep = new int[size];
    }
}
