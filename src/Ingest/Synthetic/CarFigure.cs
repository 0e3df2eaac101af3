namespace MaskStream.Ingest.Synthetic;

/// <summary>
/// A car seen from the side, driving along the road: lower body, cabin, two wheels (the
/// silhouette), then windows, lights, door line and hubs as details inside it. Coordinates are
/// metres forward and up from the ground point under the car's centre.
/// </summary>
internal static class CarFigure
{
    public static void Draw(Painter p, in ActorState s, GroundCamera camera)
    {
        var script = s.Script;
        var look = (CarLook)script.Look;
        double scale = camera.Scale(s.Z), gx = camera.ScreenX(s.X, s.Z), gy = camera.GroundY(s.Z);
        double dir = Math.Cos(s.Heading) >= 0 ? 1 : -1, length = script.Size, h = look.Height;
        double belt = 0.5 * h + 0.1, r = look.WheelRadius, half = 0.5 * length;

        Vec2 P(double fwd, double up) => new Vec2(gx + dir * fwd * scale, gy - up * scale).Snapped;

        Span<Vec2> body =
        [
            P(-half, 0.24), P(half * 0.96, 0.24), P(half, 0.36), P(half, belt - 0.1), P(half * 0.9, belt),
            P(-half * 0.96, belt), P(-half, belt - 0.12),
        ];
        p.Convex(body, look.Paint);
        Span<Vec2> cabin =
        [
            P(look.CabinRear * length, belt - 0.02), P(look.CabinFront * length, belt - 0.02),
            P(look.RoofFront * length, h), P(look.RoofRear * length, h),
        ];
        p.Convex(cabin, look.Paint);
        double wheelX = 0.32 * length;
        p.Disc(P(-wheelX, r), r * scale, new Bgr(25, 25, 28));
        p.Disc(P(wheelX, r), r * scale, new Bgr(25, 25, 28));

        if (!p.DrawsDetails) return;
        Span<Vec2> window =
        [
            P(look.CabinRear * length + 0.14, belt + 0.05), P(look.CabinFront * length - 0.16, belt + 0.05),
            P(look.RoofFront * length - 0.06, h - 0.08), P(look.RoofRear * length + 0.08, h - 0.08),
        ];
        p.Convex(window, look.Glass);
        double pillar = 0.5 * (look.CabinRear + look.CabinFront) * length;
        p.Limb(P(pillar, belt + 0.04), P(pillar - 0.04, h - 0.07), Math.Max(1, 0.07 * scale), look.Paint);
        p.Limb(P(pillar, 0.3), P(pillar, belt - 0.05), 1, look.Paint.Scale(0.6));
        p.Limb(P(-half + 0.05, 0.28), P(half - 0.2, 0.28), Math.Max(1, 0.06 * scale), look.Trim);
        p.Rect(P(half - 0.12, belt - 0.12), P(half - 0.02, belt - 0.22), new Bgr(200, 245, 255));
        p.Rect(P(-half + 0.03, belt - 0.14), P(-half + 0.1, belt - 0.24), new Bgr(30, 30, 200));
        p.Disc(P(-wheelX, r), 0.5 * r * scale, new Bgr(150, 150, 155));
        p.Disc(P(wheelX, r), 0.5 * r * scale, new Bgr(150, 150, 155));
    }

    public static (Vec2 Foot, double HalfWidth) Footprint(in ActorState s, GroundCamera camera) =>
        (new Vec2(camera.ScreenX(s.X, s.Z), camera.GroundY(s.Z)), 0.55 * s.Script.Size * camera.Scale(s.Z));
}
