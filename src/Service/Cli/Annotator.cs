using MaskStream.Core.Objects;
using MaskStream.Detector.Manifest;
using OpenCvSharp;

namespace MaskStream.Service.Cli;

/// <summary>
/// Draws results onto a BGR image for people to look at: half-transparent masks, boxes, a label, and keypoint
/// skeletons. Detections are coloured by class; tracks by id, so one person keeps one colour through a video.
/// Holds one full-frame mask buffer, so one annotator per output.
/// </summary>
internal sealed class Annotator(ModelManifest manifest)
{
    private static readonly Scalar[] ClassPalette =
    [
        new(60, 180, 75), new(48, 130, 245), new(200, 130, 0), new(180, 30, 145), new(75, 25, 230), new(240, 240, 70),
        new(0, 128, 128), new(255, 190, 230),
    ];

    private static readonly Scalar SkeletonYellow = new(0, 255, 255);

    private byte[] _mask = [];

    /// <summary>Draws <paramref name="frame"/>'s detections, the highest score on top.</summary>
    public void Draw(Mat image, DetectedFrame frame)
    {
        for (int i = frame.Detections.Length - 1; i >= 0; i--)
        {
            var d = frame.Detections[i];
            DrawObject(image, d, ClassPalette[d.ClassId % ClassPalette.Length], $"{manifest.Classes[d.ClassId]} {d.Score:0.00}", SkeletonYellow);
        }
    }

    /// <summary>Draws <paramref name="frame"/>'s tracks with their ids, each (skeleton too) in its id's colour.</summary>
    public void Draw(Mat image, TrackedFrame frame)
    {
        foreach (var o in frame.Objects)
        {
            var d = o.Detection;
            var color = TrackColor(o.TrackId);
            DrawObject(image, d, color, $"#{o.TrackId} {manifest.Classes[d.ClassId]} {d.Score:0.00}", color);
        }
    }

    /// <summary>
    /// A bright colour for a track id. Hues step by the golden angle, so ids close together (tracks born in the same
    /// frames, often side by side) get hues far apart.
    /// </summary>
    internal static Scalar TrackColor(long trackId)
    {
        const double GoldenFraction = 0.6180339887498949;
        double hue = trackId * GoldenFraction % 1.0 * 6.0; // sextant of the colour wheel, [0, 6)
        int sextant = (int)hue;
        double f = hue - sextant;
        // HSV with S = 0.85, V = 1 to BGR.
        const double V = 255, P = V * 0.15;
        double q = V * (1 - 0.85 * f), t = V * (1 - 0.85 * (1 - f));
        (double r, double g, double b) = sextant switch
        {
            0 => (V, t, P),
            1 => (q, V, P),
            2 => (P, V, t),
            3 => (P, q, V),
            4 => (t, P, V),
            _ => (V, P, q),
        };
        return new Scalar(Math.Round(b), Math.Round(g), Math.Round(r));
    }

    private void DrawObject(Mat image, Detection d, Scalar color, string label, Scalar skeletonColor)
    {
        int w = image.Cols, h = image.Rows;
        if (d.Mask is { } m && m.Width == w && m.Height == h)
        {
            if (_mask.Length < w * h) _mask = new byte[w * h];
            m.DecodeTo(_mask.AsSpan(0, w * h));
            using var maskMat = Mat.FromPixelData(h, w, MatType.CV_8UC1, _mask);
            using var tinted = new Mat(image.Size(), image.Type(), color);
            using var blended = new Mat();
            Cv2.AddWeighted(image, 0.5, tinted, 0.5, 0, blended);
            blended.CopyTo(image, maskMat);
        }
        var box = new Rect((int)d.Box.X1, (int)d.Box.Y1, Math.Max(1, (int)d.Box.Width), Math.Max(1, (int)d.Box.Height));
        Cv2.Rectangle(image, box, color, 1);
        Cv2.PutText(image, label, new Point(box.X, Math.Max(10, box.Y - 3)), HersheyFonts.HersheySimplex, 0.35, color, 1, LineTypes.AntiAlias);
        if (d.Keypoints.IsDefaultOrEmpty || manifest.Keypoints is null) return;
        // Scores are heatmap logits: > 0 means the keypoint is more likely there than not.
        foreach (var (a, b) in manifest.Keypoints.Skeleton)
        {
            Keypoint ka = d.Keypoints[a - 1], kb = d.Keypoints[b - 1];
            if (ka.Score > 0 && kb.Score > 0)
                Cv2.Line(image, new Point((int)ka.X, (int)ka.Y), new Point((int)kb.X, (int)kb.Y), skeletonColor, 1, LineTypes.AntiAlias);
        }
        foreach (var k in d.Keypoints)
            if (k.Score > 0) Cv2.Circle(image, new Point((int)k.X, (int)k.Y), 2, new Scalar(0, 0, 255), -1);
    }
}
