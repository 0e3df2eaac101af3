namespace MaskStream.Ingest.Synthetic;

/// <summary>
/// A trotting dog seen from the side (turned slightly when walking in depth): a thick body, four
/// two-segment legs moving in diagonal pairs, neck, head with snout and ears, tail. Body
/// coordinates are lateral, up, forward in units of body length.
/// </summary>
internal static class DogFigure
{
    public static void Draw(Painter p, in ActorState s, GroundCamera camera)
    {
        var script = s.Script;
        var look = (DogLook)script.Look;
        double unit = script.Size * camera.Scale(s.Z);
        double gx = camera.ScreenX(s.X, s.Z), gy = camera.GroundY(s.Z);
        double yaw = s.Heading - script.YawBias * Math.Cos(s.Heading);
        double fx = Math.Cos(yaw), lx = -Math.Sin(yaw), ld = Math.Cos(yaw);
        double phase = script.PhaseOffset + s.Distance / (1.3 * script.Size) * 2 * Math.PI;
        double leg = 0.36 * look.LegLength, bodyUp = leg + 0.1;

        Vec2 P(double lat, double up, double fwd) => new Vec2(gx + unit * (lat * lx + fwd * fx), gy - unit * up).Snapped;

        // Legs: front-left with rear-right, front-right with rear-left (a trot). Far side first.
        double farLat = ld > 0 ? 0.07 : -0.07;
        for (int pass = 0; pass < 2; pass++)
        {
            double lat = pass == 0 ? farLat : -farLat;
            double shade = pass == 0 ? 0.7 : 1.0;
            if (pass == 1)
            {
                p.Limb(P(0, bodyUp, -0.3), P(0, bodyUp + 0.02, 0.3), 0.27 * unit, look.Coat);
                if (p.DrawsDetails) p.Ellipse(P(0, bodyUp + 0.03, -0.05), 0.12 * unit, 0.07 * unit, 0, look.Patch);
            }
            for (int end = 0; end < 2; end++)
            {
                double fwd = end == 0 ? 0.27 : -0.27;
                double legPhase = phase + (lat > 0 ? 0 : Math.PI) + (end == 0 ? 0 : Math.PI);
                double swing = s.Amplitude * 0.5 * Math.Sin(legPhase);
                double bend = 0.15 + s.Amplitude * 0.5 * Math.Max(0, Math.Cos(legPhase));
                double half = leg * 0.55;
                var hip = (up: bodyUp - 0.02, fwd);
                var knee = (up: hip.up - half * Math.Cos(swing), fwd: fwd + half * Math.Sin(swing));
                double lowerAngle = swing + (end == 0 ? bend : -bend) * 0.6;
                var paw = (up: Math.Max(0.02, knee.up - half * Math.Cos(lowerAngle)), fwd: knee.fwd + half * Math.Sin(lowerAngle));
                var coat = look.Coat.Scale(shade);
                p.Limb(P(lat, hip.up, hip.fwd), P(lat, knee.up, knee.fwd), 0.085 * unit, coat);
                p.Limb(P(lat, knee.up, knee.fwd), P(lat, paw.up, paw.fwd), 0.06 * unit, coat);
            }
        }

        // Tail wags side to side as the dog trots.
        double wag = 0.08 * Math.Sin(phase * 2);
        p.Limb(P(0, bodyUp + 0.06, -0.36), P(wag, bodyUp + 0.12 + 0.18 * look.TailUp, -0.55), 0.045 * unit, look.Coat);
        if (p.DrawsDetails)
            p.Disc(P(wag, bodyUp + 0.12 + 0.18 * look.TailUp, -0.55), 0.018 * unit, look.Patch);

        // Neck, head, snout, ear.
        double headUp = bodyUp + 0.24;
        p.Limb(P(0, bodyUp + 0.04, 0.3), P(0, headUp, 0.45), 0.14 * unit, look.Coat);
        p.Disc(P(0, headUp, 0.46), 0.1 * unit, look.Coat);
        p.Limb(P(0, headUp - 0.02, 0.5), P(0, headUp - 0.05, 0.62), 0.075 * unit, look.Coat);
        p.Limb(P(0, headUp + 0.06, 0.42), look.FloppyEars ? P(0, headUp - 0.06, 0.37) : P(0, headUp + 0.15, 0.4), 0.05 * unit, look.Patch);
        if (p.DrawsDetails)
        {
            p.Disc(P(0, headUp - 0.05, 0.62), Math.Max(0.6, 0.02 * unit), new Bgr(20, 20, 20));
            p.Disc(P(0, headUp + 0.03, 0.51), Math.Max(0.6, 0.014 * unit), new Bgr(15, 15, 15));
        }
    }

    public static (Vec2 Foot, double HalfWidth) Footprint(in ActorState s, GroundCamera camera) =>
        (new Vec2(camera.ScreenX(s.X, s.Z), camera.GroundY(s.Z)), 0.45 * s.Script.Size * camera.Scale(s.Z));
}
