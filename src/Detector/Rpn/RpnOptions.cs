namespace MaskStream.Detector.Rpn;

/// <summary>torchvision RegionProposalNetwork test-time settings (model.json <c>rpn</c>).</summary>
/// <param name="PreNmsTopN">Per level, proposals kept by objectness logit before NMS (pre_nms_top_n_test).</param>
/// <param name="PostNmsTopN">Per image, proposals kept after NMS (post_nms_top_n_test).</param>
/// <param name="NmsThresh">IoU above which the per-level NMS suppresses a proposal.</param>
/// <param name="ScoreThresh">Keep proposals whose sigmoid score is <c>&gt;=</c> this.</param>
/// <param name="MinSize">Keep proposals whose sides are both <c>&gt;=</c> this (resized-input pixels).</param>
/// <param name="Weights">BoxCoder weights, (1,1,1,1) in torchvision's RPN.</param>
/// <param name="LogScaleClip">Max clamp on dw, dh.</param>
public sealed record RpnOptions(int PreNmsTopN, int PostNmsTopN, double NmsThresh, float ScoreThresh, float MinSize,
    BoxCoderWeights Weights, float LogScaleClip);
