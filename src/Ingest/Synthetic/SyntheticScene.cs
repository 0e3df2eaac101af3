using System.Collections.Immutable;
using MaskStream.Core.Geometry;
using MaskStream.Core.Masks;
using MaskStream.Core.Objects;
using OpenCvSharp;

namespace MaskStream.Ingest.Synthetic;

/// <summary>
/// A deterministic synthetic street scene: people walking, cars driving, dogs trotting over a
/// textured ground plane, passing behind pillars, trees and walls and in front of each other, under
/// changing light. Frame n is a pure function of the options and n, so any frame can be rendered
/// on its own, in any order, with identical bytes every time, together with exact ground truth.
/// <para>Not thread-safe: one instance renders one frame at a time (use one per thread).</para>
/// </summary>
public sealed class SyntheticScene : IDisposable
{
    /// <summary>Label-map value of static occluders.</summary>
    public const byte OccluderLabel = 255;

    /// <summary>At most this many objects are drawn in one frame (label values 1..254); beyond it the farthest are left out.</summary>
    public const int MaxObjectsPerFrame = 254;

    private readonly SceneLayout _layout;
    private readonly ActorSchedule _schedule;
    private readonly Backdrop _backdrop;
    private readonly Lighting _lighting;
    private readonly Painter _painter = new();
    private readonly Mat _canvas;
    private readonly Mat _labels;
    private readonly List<ActorState> _active = [];
    private readonly List<Rect> _bounds = [];
    private byte[] _region = new byte[4096];

    public SyntheticScene(SyntheticSceneOptions options)
    {
        Options = options.Validate();
        _layout = new SceneLayout(options);
        _schedule = new ActorSchedule(options, _layout);
        _backdrop = new Backdrop(_layout, options.Seed);
        _lighting = new Lighting(options, _layout.Camera);
        _canvas = new Mat(options.Height, options.Width, MatType.CV_8UC3);
        _labels = new Mat(options.Height, options.Width, MatType.CV_8UC1);
    }

    /// <summary>Opens a scene from a <c>synthetic://</c> URI (see <see cref="SyntheticSceneOptions.Parse"/>).</summary>
    public static SyntheticScene Open(string uri) => new(SyntheticSceneOptions.Parse(uri));

    public SyntheticSceneOptions Options { get; }
    public int Width => Options.Width;
    public int Height => Options.Height;

    /// <summary>Bytes of one packed BGR24 frame.</summary>
    public int FrameBytes => Options.Width * Options.Height * 3;

    /// <summary>Renders frame <paramref name="frameNumber"/> as packed BGR24 into <paramref name="bgr"/> (at least <see cref="FrameBytes"/> long).</summary>
    public void Render(long frameNumber, Span<byte> bgr)
    {
        CheckFrame(frameNumber, bgr.Length, FrameBytes, nameof(bgr));
        Draw(frameNumber, color: true, labels: false);
        _lighting.Apply(_canvas, bgr, frameNumber);
    }

    /// <summary>
    /// Renders the frame and its ground truth in one pass. When <paramref name="labelMap"/> is not
    /// empty (width·height bytes) it receives the label map: each pixel holds the
    /// <see cref="GroundTruthObject.LabelValue"/> of the object seen there, 255 for occluders, 0 otherwise.
    /// </summary>
    public FrameGroundTruth RenderWithGroundTruth(long frameNumber, Span<byte> bgr, Span<byte> labelMap = default)
    {
        CheckFrame(frameNumber, bgr.Length, FrameBytes, nameof(bgr));
        if (!labelMap.IsEmpty && labelMap.Length < Width * Height)
            throw new ArgumentException($"Label map needs {Width * Height} bytes, got {labelMap.Length}.", nameof(labelMap));
        Draw(frameNumber, color: true, labels: true);
        _lighting.Apply(_canvas, bgr, frameNumber);
        return CollectGroundTruth(frameNumber, labelMap);
    }

    /// <summary>The ground truth of a frame without its image (faster: only the label map is drawn).</summary>
    public FrameGroundTruth GroundTruth(long frameNumber)
    {
        CheckFrame(frameNumber, 0, 0, "frame");
        Draw(frameNumber, color: false, labels: true);
        return CollectGroundTruth(frameNumber, default);
    }

    private static void CheckFrame(long frameNumber, int length, int needed, string name)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(frameNumber);
        if (length < needed) throw new ArgumentException($"A frame needs {needed} bytes, got {length}.", name);
    }

    /// <summary>Paints background, objects (far to near, each with its shadow) and occluders in front of them.</summary>
    private void Draw(long frameNumber, bool color, bool labels)
    {
        var camera = _layout.Camera;
        _schedule.ActiveAt(frameNumber, _active);
        // Far to near (ground row ascending); ties by track id keep the order deterministic.
        _active.Sort((a, b) => a.Z != b.Z ? b.Z.CompareTo(a.Z) : a.Script.TrackId.CompareTo(b.Script.TrackId));
        if (_active.Count > MaxObjectsPerFrame) _active.RemoveRange(0, _active.Count - MaxObjectsPerFrame);
        if (color) _backdrop.Image.CopyTo(_canvas);
        if (labels) _labels.SetTo(Scalar.All(0));
        _bounds.Clear();

        var sprites = _backdrop.Sprites;
        int nextSprite = 0;
        for (int i = 0; i < _active.Count; i++)
        {
            var s = _active[i];
            while (nextSprite < sprites.Count && sprites[nextSprite].Occluder.Z > s.Z)
                StampOccluder(sprites[nextSprite++], color, labels);
            _painter.BeginMeasure();
            DrawActor(s);
            _bounds.Add(new Rect(_painter.MinX, _painter.MinY, _painter.MaxX - _painter.MinX + 1, _painter.MaxY - _painter.MinY + 1));
            if (color)
            {
                var (foot, half) = Footprint(s, camera);
                Shadows.Darken(_canvas, foot, half, half * 0.22, 0.6);
                _painter.BeginColor(_canvas);
                DrawActor(s);
            }
            if (labels)
            {
                _painter.BeginLabel(_labels, (byte)(i + 1));
                DrawActor(s);
            }
        }
        while (nextSprite < sprites.Count) StampOccluder(sprites[nextSprite++], color, labels);
    }

    /// <summary>Draws an occluder again over objects behind it; the backdrop already holds it where nothing passed.</summary>
    private void StampOccluder(OccluderSprite sprite, bool color, bool labels)
    {
        bool covers = false;
        foreach (var b in _bounds) covers |= b.IntersectsWith(sprite.Region);
        if (!covers) return;
        if (color)
        {
            using var target = new Mat(_canvas, sprite.Region);
            sprite.Pixels.CopyTo(target, sprite.Mask);
        }
        if (labels)
        {
            using var target = new Mat(_labels, sprite.Region);
            target.SetTo(Scalar.All(OccluderLabel), sprite.Mask);
        }
    }

    private void DrawActor(in ActorState s)
    {
        var camera = _layout.Camera;
        switch (s.Script.ClassId)
        {
            case SyntheticClasses.Person: PersonFigure.Draw(_painter, s, camera); break;
            case SyntheticClasses.Car: CarFigure.Draw(_painter, s, camera); break;
            default: DogFigure.Draw(_painter, s, camera); break;
        }
    }

    private static (Vec2 Foot, double HalfWidth) Footprint(in ActorState s, GroundCamera camera) => s.Script.ClassId switch
    {
        SyntheticClasses.Person => PersonFigure.Footprint(s, camera),
        SyntheticClasses.Car => CarFigure.Footprint(s, camera),
        _ => DogFigure.Footprint(s, camera),
    };

    /// <summary>Reads each object's visible pixels off the label map; its unoccluded area from drawing it alone.</summary>
    private unsafe FrameGroundTruth CollectGroundTruth(long frameNumber, Span<byte> labelMapOut)
    {
        int w = Width, h = Height;
        var frameRect = new Rect(0, 0, w, h);
        var objects = ImmutableArray.CreateBuilder<GroundTruthObject>(_active.Count);
        byte* labels = (byte*)_labels.DataPointer;
        long step = _labels.Step();
        Span<Vec2> keypoints = stackalloc Vec2[CocoPersonKeypoints.Count];
        for (int i = 0; i < _active.Count; i++)
        {
            var s = _active[i];
            var roi = _bounds[i] & frameRect;
            if (roi.Width <= 0 || roi.Height <= 0) continue;
            long unoccluded = UnoccludedArea(s, roi);
            if (unoccluded == 0) continue;

            byte label = (byte)(i + 1);
            int minX = int.MaxValue, minY = int.MaxValue, maxX = -1, maxY = -1;
            long area = 0;
            for (int y = roi.Y; y < roi.Bottom; y++)
            {
                byte* row = labels + y * step;
                for (int x = roi.X; x < roi.Right; x++)
                {
                    if (row[x] != label) continue;
                    area++;
                    if (x < minX) minX = x;
                    if (x > maxX) maxX = x;
                    if (y < minY) minY = y;
                    if (y > maxY) maxY = y;
                }
            }

            RleMask mask;
            BoxF box;
            if (area == 0)
            {
                mask = RleMask.Empty(h, w);
                box = default;
            }
            else
            {
                int rw = maxX - minX + 1, rh = maxY - minY + 1;
                if (_region.Length < rw * rh) _region = new byte[Math.Max(rw * rh, _region.Length * 2)];
                for (int y = 0; y < rh; y++)
                {
                    byte* row = labels + (minY + y) * step + minX;
                    int o = y * rw;
                    for (int x = 0; x < rw; x++) _region[o + x] = row[x] == label ? (byte)1 : (byte)0;
                }
                mask = RleMask.EncodeRegion(_region.AsSpan(0, rw * rh), minX, minY, rw, rh, h, w);
                box = new BoxF(minX, minY, maxX + 1, maxY + 1);
            }

            var kps = ImmutableArray<LabeledKeypoint>.Empty;
            if (s.Script.ClassId == SyntheticClasses.Person)
            {
                PersonFigure.Keypoints(s, _layout.Camera, keypoints);
                var builder = ImmutableArray.CreateBuilder<LabeledKeypoint>(CocoPersonKeypoints.Count);
                foreach (var k in keypoints)
                {
                    int px = (int)Math.Round(k.X), py = (int)Math.Round(k.Y);
                    var v = px < 0 || py < 0 || px >= w || py >= h ? KeypointVisibility.NotLabeled
                        : labels[py * step + px] == label ? KeypointVisibility.Visible
                        : KeypointVisibility.Occluded;
                    builder.Add(new LabeledKeypoint((float)k.X, (float)k.Y, v));
                }
                kps = builder.MoveToImmutable();
            }
            objects.Add(new GroundTruthObject(s.Script.TrackId, s.Script.ClassId, SyntheticClasses.NameOf(s.Script.ClassId),
                mask, box, area, unoccluded, kps, label));
        }
        objects.Sort((a, b) => a.TrackId.CompareTo(b.TrackId));

        if (!labelMapOut.IsEmpty)
        {
            for (int y = 0; y < h; y++)
                new ReadOnlySpan<byte>(labels + y * step, w).CopyTo(labelMapOut.Slice(y * w, w));
        }
        return new FrameGroundTruth(frameNumber, w, h, objects.DrainToImmutable());
    }

    /// <summary>Pixels of the object inside <paramref name="roi"/> when drawn alone (its silhouette clipped to the frame).</summary>
    private unsafe long UnoccludedArea(in ActorState s, Rect roi)
    {
        int n = roi.Width * roi.Height;
        if (_region.Length < n) _region = new byte[Math.Max(n, _region.Length * 2)];
        Array.Clear(_region, 0, n);
        fixed (byte* p = _region)
        {
            using var alone = Mat.FromPixelData(roi.Height, roi.Width, MatType.CV_8UC1, (IntPtr)p);
            _painter.BeginLabel(alone, 1, roi.X, roi.Y);
            DrawActor(s);
            return Cv2.CountNonZero(alone);
        }
    }

    public void Dispose()
    {
        _backdrop.Dispose();
        _canvas.Dispose();
        _labels.Dispose();
    }
}
