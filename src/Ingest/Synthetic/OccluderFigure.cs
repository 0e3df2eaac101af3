namespace MaskStream.Ingest.Synthetic;

/// <summary>Draws the static occluders: pillars, trees, low walls and hedges.</summary>
internal static class OccluderFigure
{
    public static void Draw(Painter p, Occluder o, GroundCamera camera)
    {
        double s = camera.Scale(o.Z), gx = camera.ScreenX(o.X, o.Z), gy = camera.GroundY(o.Z);
        Vec2 P(double x, double up) => new Vec2(gx + x * s, gy - up * s).Snapped;
        var rng = new SplitMix64(o.Texture);
        double w = o.Width * 0.5;
        switch (o.Kind)
        {
            case OccluderKind.Pillar:
            {
                double top = rng.Range(3.5, 6);
                p.Rect(P(-w, 0), P(w, top), o.Color);
                p.Rect(P(-w * 1.25, 0), P(w * 1.25, 0.35), o.Color.Scale(0.85));
                p.Rect(P(-w * 1.2, top), P(w * 1.2, top + 0.25), o.Color.Scale(0.9));
                if (!p.DrawsDetails) return;
                p.Rect(P(w * 0.35, 0.36), P(w, top - 0.01), o.Color.Scale(0.72));
                p.Rect(P(-w, 0.36), P(-w * 0.7, top - 0.01), o.Color.Mix(new Bgr(255, 255, 255), 0.25));
                for (double y = 0.9; y < top - 0.3; y += 0.9)
                    p.Limb(P(-w * 0.95, y), P(w * 0.95, y), 1, o.Color.Scale(0.8));
                return;
            }
            case OccluderKind.Tree:
            {
                double crown = o.Height * 0.62;
                p.Limb(P(0, 0), P(0, crown), o.Width * s, o.Color);
                p.Limb(P(0, crown * 0.8), P(0.5, crown * 1.05), o.Width * 0.6 * s, o.Color);
                int blobs = rng.Next(4, 7);
                for (int i = 0; i < blobs; i++)
                {
                    double angle = 2 * Math.PI * i / blobs + rng.Range(-0.3, 0.3);
                    double radius = o.Height * rng.Range(0.15, 0.22);
                    var c = P(Math.Cos(angle) * o.Height * 0.18, crown + 0.35 * o.Height * 0.5 + Math.Sin(angle) * o.Height * 0.12);
                    p.Disc(c, radius * s, o.Accent.Scale(rng.Range(0.85, 1.1)));
                }
                p.Disc(P(0, crown + 0.2 * o.Height), o.Height * 0.2 * s, o.Accent);
                if (!p.DrawsDetails) return;
                for (int i = 0; i < 40; i++)
                {
                    double angle = rng.Range(0, 2 * Math.PI), dist = rng.Range(0, 0.16) * o.Height;
                    var c = P(Math.Cos(angle) * dist, crown + 0.2 * o.Height + Math.Sin(angle) * dist);
                    p.Disc(c, Math.Max(0.6, 0.035 * o.Height * s), o.Accent.Scale(rng.Chance(0.5) ? 0.7 : 1.25));
                }
                return;
            }
            default:
            {
                bool brick = o.Accent != default;
                p.Rect(P(-w, 0), P(w, o.Height), o.Color);
                if (!brick)
                {
                    for (double x = -w; x <= w; x += 0.5) p.Disc(P(x, o.Height), 0.22 * s, o.Color);
                    if (!p.DrawsDetails) return;
                    for (int i = 0; i < 60; i++)
                        p.Disc(P(rng.Range(-w * 0.95, w * 0.95), rng.Range(0.1, o.Height - 0.05)), Math.Max(0.6, 0.05 * s),
                            o.Color.Scale(rng.Chance(0.5) ? 0.7 : 1.3));
                    return;
                }
                p.Rect(P(-w - 0.05, o.Height - 0.02), P(w + 0.05, o.Height + 0.1), o.Accent);
                if (!p.DrawsDetails || s < 12) return;
                int row = 0;
                for (double y = 0.2; y < o.Height - 0.05; y += 0.2, row++)
                {
                    p.Limb(P(-w, y), P(w, y), 1, o.Accent.Scale(0.8));
                    for (double x = -w + (row % 2) * 0.22; x < w; x += 0.44)
                        p.Limb(P(x, y - 0.2), P(x, y), 1, o.Accent.Scale(0.8));
                }
                return;
            }
        }
    }

    /// <summary>Ground point and half width of the shadow at the foot of the occluder.</summary>
    public static (Vec2 Foot, double HalfWidth) Footprint(Occluder o, GroundCamera camera) =>
        (new Vec2(camera.ScreenX(o.X, o.Z), camera.GroundY(o.Z)),
            (o.Kind == OccluderKind.Tree ? o.Height * 0.3 : o.Width * 0.7 + 0.2) * camera.Scale(o.Z));
}
