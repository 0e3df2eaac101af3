namespace MaskStream.Detector.Heads;

/// <summary>torchvision RoIHeads test-time box settings (model.json <c>box_head</c>).</summary>
/// <param name="Weights">BoxCoder weights, (10,10,5,5) in torchvision.</param>
/// <param name="LogScaleClip">Max clamp on dw, dh.</param>
/// <param name="ScoreThresh">Keep (box, class) candidates whose softmax score is <c>&gt;</c> this (strict, f32).</param>
/// <param name="NmsThresh">Per-class NMS IoU threshold.</param>
/// <param name="DetectionsPerImg">Detections kept per image, by score.</param>
/// <param name="MinSize">Keep boxes whose sides are both <c>&gt;=</c> this (resized-input pixels).</param>
public sealed record BoxHeadOptions(BoxCoderWeights Weights, float LogScaleClip, float ScoreThresh, double NmsThresh,
    int DetectionsPerImg, float MinSize);
