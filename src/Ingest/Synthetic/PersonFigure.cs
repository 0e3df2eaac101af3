namespace MaskStream.Ingest.Synthetic;

/// <summary>
/// A walking person: a 3-D stick skeleton with body-like volume (thick limbs, a torso, a head),
/// posed by a walk cycle and projected orthographically at the person's ground position. The
/// skeleton's joints are the 17 COCO keypoints, so a keypoint is exactly where its joint is drawn.
/// Body coordinates: lateral (to the person's left), up, forward, in units of body height.
/// </summary>
internal static class PersonFigure
{
    /// <summary>Joints and anchors beyond the 17 COCO keypoints (indices into the pose buffer).</summary>
    private const int HeadCenter = 17, NeckBase = 18, LeftToe = 19, RightToe = 20, TorsoTopNear = 21, TorsoTopFar = 22,
        TorsoBottomFar = 23, TorsoBottomNear = 24, PoseLength = 25;

    private const double HeadRadius = 0.064;

    /// <summary>Writes the 17 COCO keypoints (CocoPersonKeypoints order), in frame pixels, snapped to the drawing grid.</summary>
    public static void Keypoints(in ActorState s, GroundCamera camera, Span<Vec2> keypoints)
    {
        Span<Vec2> pose = stackalloc Vec2[PoseLength];
        Pose(s, camera, pose, out _, out _);
        pose[..17].CopyTo(keypoints);
    }

    public static void Draw(Painter p, in ActorState s, GroundCamera camera)
    {
        var look = (PersonLook)s.Script.Look;
        Span<Vec2> k = stackalloc Vec2[PoseLength];
        Pose(s, camera, k, out double unit, out bool leftIsFar);
        double build = look.Build;

        // Left and right limbs by depth: the far side first and a little darker, then the torso, then the near side.
        var farShade = 0.78;
        int farShoulder = leftIsFar ? 5 : 6, nearShoulder = leftIsFar ? 6 : 5;
        int farHip = leftIsFar ? 11 : 12, nearHip = leftIsFar ? 12 : 11;
        int farToe = leftIsFar ? LeftToe : RightToe, nearToe = leftIsFar ? RightToe : LeftToe;

        Arm(p, k, farShoulder, unit, build, look, farShade);
        Leg(p, k, farHip, farToe, unit, build, look, farShade);

        // Torso (shirt) and neck.
        Span<Vec2> torso = [k[TorsoTopNear], k[TorsoTopFar], k[TorsoBottomFar], k[TorsoBottomNear]];
        p.Limb(k[NeckBase], k[HeadCenter], 0.055 * unit, look.Skin);
        p.Convex(torso, look.Shirt);
        p.Limb(k[5], k[6], 0.07 * unit * build, look.Shirt);
        p.Limb(k[11], k[12], 0.09 * unit * build, look.Pants);
        if (p.DrawsDetails)
        {
            // A belt line where shirt meets trousers, inside the torso polygon.
            var beltA = k[TorsoBottomNear].Lerp(k[TorsoTopNear], 0.06);
            var beltB = k[TorsoBottomFar].Lerp(k[TorsoTopFar], 0.06);
            p.Limb(beltA.Lerp(beltB, 0.1), beltA.Lerp(beltB, 0.9), Math.Max(1, 0.012 * unit), look.Pants.Scale(0.6));
        }

        // Head and hair.
        double r = HeadRadius * unit;
        var head = k[HeadCenter];
        var back = head - k[0];
        double backLength = Math.Sqrt(back.X * back.X + back.Y * back.Y);
        var backUnit = backLength > 1e-9 ? back * (1 / backLength) : new Vec2(0, 0);
        if (look.LongHair) p.Limb(head + backUnit * (0.2 * r), head + backUnit * (0.35 * r) + new Vec2(0, 1.3 * r), 1.3 * r, look.Hair);
        p.Disc(head, r, look.Skin);
        if (p.DrawsDetails)
        {
            // Hair covers the back and top of the head; the face shows towards where the person looks.
            p.Disc(head + backUnit * (0.1 * r) + new Vec2(0, -0.1 * r), 0.84 * r, look.Hair);
            if (r >= 5)
            {
                var eyeShade = look.Skin.Scale(0.35);
                p.Disc(k[1], Math.Max(0.6, 0.08 * r), eyeShade);
                p.Disc(k[2], Math.Max(0.6, 0.08 * r), eyeShade);
            }
        }

        Leg(p, k, nearHip, nearToe, unit, build, look, 1.0);
        Arm(p, k, nearShoulder, unit, build, look, 1.0);
    }

    private static void Leg(Painter p, ReadOnlySpan<Vec2> k, int hip, int toe, double unit, double build, PersonLook look, double shade)
    {
        int knee = hip + 2, ankle = hip + 4;
        var pants = look.Pants.Scale(shade);
        p.Limb(k[hip], k[knee], 0.085 * unit * build, pants);
        p.Limb(k[knee], k[ankle], 0.066 * unit * build, look.Shorts ? look.Skin.Scale(shade) : pants);
        p.Limb(k[ankle], k[toe], 0.045 * unit, look.Shoes.Scale(shade));
    }

    private static void Arm(Painter p, ReadOnlySpan<Vec2> k, int shoulder, double unit, double build, PersonLook look, double shade)
    {
        int elbow = shoulder + 2, wrist = shoulder + 4;
        var shirt = look.Shirt.Scale(shade);
        p.Limb(k[shoulder], k[elbow], 0.056 * unit * build, shirt);
        p.Limb(k[elbow], k[wrist], 0.046 * unit * build, look.ShortSleeves ? look.Skin.Scale(shade) : shirt);
        p.Disc(k[wrist], 0.028 * unit, look.Skin.Scale(shade));
    }

    /// <summary>
    /// Poses the skeleton for the walk phase and projects it: writes the keypoints and anchors
    /// (frame pixels, snapped), the pixel length of one body height, and which side faces away.
    /// </summary>
    private static void Pose(in ActorState s, GroundCamera camera, Span<Vec2> k, out double unit, out bool leftIsFar)
    {
        var script = s.Script;
        double px = script.Size * camera.Scale(s.Z); // pixels per body height
        unit = px;
        double gx = camera.ScreenX(s.X, s.Z), gy = camera.GroundY(s.Z);
        // Turned a little towards the camera when walking sideways, so both shoulders show.
        double yaw = s.Heading - script.YawBias * Math.Cos(s.Heading);
        double fx = Math.Cos(yaw), fd = Math.Sin(yaw), lx = -Math.Sin(yaw), ld = Math.Cos(yaw);
        leftIsFar = ld > 0;

        // One gait cycle (two steps) covers about 0.8 body heights.
        double phase = script.PhaseOffset + s.Distance / (0.8 * script.Size) * 2 * Math.PI;
        double a = s.Amplitude;
        var build = ((PersonLook)script.Look).Build;

        Span<(double Lat, double Up, double Fwd)> j = stackalloc (double, double, double)[PoseLength];
        const double hipUp = 0.53, thigh = 0.245, shin = 0.25, upperArm = 0.17, forearm = 0.16;
        for (int side = 0; side < 2; side++)
        {
            double sign = side == 0 ? 1 : -1; // left = +lateral
            double legPhase = phase + side * Math.PI;
            double swing = a * 0.42 * Math.Sin(legPhase);
            double kneeBend = 0.06 + a * 0.6 * Math.Max(0, Math.Cos(legPhase - 0.3));
            var hip = (sign * 0.085 * build, hipUp, 0.0);
            var knee = (hip.Item1, hip.Item2 - thigh * Math.Cos(swing), thigh * Math.Sin(swing));
            double shinAngle = swing - kneeBend;
            var ankle = (hip.Item1, knee.Item2 - shin * Math.Cos(shinAngle), knee.Item3 + shin * Math.Sin(shinAngle));
            var toe = (hip.Item1, ankle.Item2 - 0.02, ankle.Item3 + 0.075);
            j[11 + side] = hip;
            j[13 + side] = knee;
            j[15 + side] = ankle;
            j[LeftToe + side] = toe;

            double armSwing = -a * 0.38 * Math.Sin(legPhase);
            double elbowBend = 0.12 + a * 0.5 * Math.Max(0, -Math.Sin(legPhase));
            var shoulder = (sign * 0.125 * build, 0.815, 0.0);
            var elbow = (sign * 0.14 * build, shoulder.Item2 - upperArm * Math.Cos(armSwing), upperArm * Math.Sin(armSwing));
            var wrist = (sign * 0.135 * build, elbow.Item2 - forearm * Math.Cos(armSwing + elbowBend),
                elbow.Item3 + forearm * Math.Sin(armSwing + elbowBend));
            j[5 + side] = shoulder;
            j[7 + side] = elbow;
            j[9 + side] = wrist;
        }

        // Keep the lower ankle on the ground: the pelvis bobs as the legs swing.
        double lift = 0.035 - Math.Min(j[15].Up, j[16].Up);
        double headUp = 0.925, r = HeadRadius;
        j[HeadCenter] = (0, headUp, 0.012);
        j[NeckBase] = (0, 0.83, 0);
        j[0] = (0, headUp - 0.15 * r, 0.012 + 0.97 * r);
        j[1] = (0.38 * r, headUp + 0.2 * r, 0.012 + 0.78 * r);
        j[2] = (-0.38 * r, headUp + 0.2 * r, 0.012 + 0.78 * r);
        j[3] = (0.92 * r, headUp, -0.1 * r);
        j[4] = (-0.92 * r, headUp, -0.1 * r);

        Vec2 Project((double Lat, double Up, double Fwd) q) =>
            new Vec2(gx + px * (q.Lat * lx + q.Fwd * fx), gy - px * (q.Up + lift)).Snapped;

        for (int i = 0; i < TorsoTopNear; i++) k[i] = Project(j[i]);

        // Torso: the outline of a box 0.27 wide and 0.13 deep at the shoulders, 0.2 by 0.12 at the hips.
        double topHalf = 0.5 * (0.27 * build * Math.Abs(lx) + 0.13 * Math.Abs(fx));
        double bottomHalf = 0.5 * (0.2 * build * Math.Abs(lx) + 0.12 * Math.Abs(fx));
        double topY = gy - unit * (0.835 + lift), bottomY = gy - unit * (hipUp - 0.02 + lift);
        double cx = gx + unit * 0.0;
        k[TorsoTopNear] = new Vec2(cx - unit * topHalf, topY).Snapped;
        k[TorsoTopFar] = new Vec2(cx + unit * topHalf, topY).Snapped;
        k[TorsoBottomFar] = new Vec2(cx + unit * bottomHalf, bottomY).Snapped;
        k[TorsoBottomNear] = new Vec2(cx - unit * bottomHalf, bottomY).Snapped;
    }

    /// <summary>Body height in pixels and the ground point, for the shadow.</summary>
    public static (Vec2 Foot, double HalfWidth) Footprint(in ActorState s, GroundCamera camera)
    {
        double unit = s.Script.Size * camera.Scale(s.Z);
        return (new Vec2(camera.ScreenX(s.X, s.Z), camera.GroundY(s.Z)), 0.2 * unit);
    }
}
