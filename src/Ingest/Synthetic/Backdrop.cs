using OpenCvSharp;

namespace MaskStream.Ingest.Synthetic;

/// <summary>A static occluder pre-drawn once: its region of the frame, its pixels there and the mask of them.</summary>
internal sealed class OccluderSprite(Occluder occluder, Rect region, Mat pixels, Mat mask) : IDisposable
{
    public Occluder Occluder { get; } = occluder;
    public Rect Region { get; } = region;
    public Mat Pixels { get; } = pixels;
    public Mat Mask { get; } = mask;

    public void Dispose()
    {
        Pixels.Dispose();
        Mask.Dispose();
    }
}

/// <summary>
/// The scene's unchanging image, drawn once: sky with clouds, a skyline at the horizon, paving
/// tiles and a road in perspective, static texture, and the occluders with their shadows. The
/// occluders are also kept as sprites, to be stamped again over objects that pass behind them.
/// </summary>
internal sealed class Backdrop : IDisposable
{
    public Backdrop(SceneLayout layout, ulong seed)
    {
        var camera = layout.Camera;
        Image = new Mat(camera.Height, camera.Width, MatType.CV_8UC3);
        var rng = new SplitMix64(SplitMix64.Mix(seed, 0x42414B44L));
        PaintSkyAndGround(layout);
        PaintSkyline(layout, ref rng);
        Cv2.GaussianBlur(Image, Image, new Size(3, 3), 0);
        AddTexture(SplitMix64.Mix(seed, 0x54455854L));
        var sprites = new List<OccluderSprite>();
        var painter = new Painter();
        foreach (var o in layout.Occluders)
        {
            var (foot, half) = OccluderFigure.Footprint(o, camera);
            Shadows.Darken(Image, foot, half, half * 0.25, 0.7);
            painter.BeginMeasure();
            OccluderFigure.Draw(painter, o, camera);
            var region = new Rect(painter.MinX, painter.MinY, painter.MaxX - painter.MinX + 1, painter.MaxY - painter.MinY + 1)
                & new Rect(0, 0, camera.Width, camera.Height);
            if (region.Width <= 0 || region.Height <= 0) continue;
            var pixels = new Mat(Image, region).Clone();
            var mask = new Mat(region.Height, region.Width, MatType.CV_8UC1, Scalar.All(0));
            painter.BeginColor(pixels, region.X, region.Y);
            OccluderFigure.Draw(painter, o, camera);
            painter.BeginLabel(mask, 255, region.X, region.Y);
            OccluderFigure.Draw(painter, o, camera);
            using (var target = new Mat(Image, region)) pixels.CopyTo(target, mask);
            sprites.Add(new OccluderSprite(o, region, pixels, mask));
        }
        Sprites = sprites;
    }

    public Mat Image { get; }

    /// <summary>Occluder sprites, far to near.</summary>
    public IReadOnlyList<OccluderSprite> Sprites { get; }

    private unsafe void PaintSkyAndGround(SceneLayout layout)
    {
        var camera = layout.Camera;
        int w = camera.Width, h = camera.Height;
        byte* data = (byte*)Image.DataPointer;
        long step = Image.Step();
        var haze = layout.SkyHorizon.Mix(new Bgr(200, 200, 200), 0.5);
        double midRoadG = 0.5 * (layout.RoadFarG + layout.RoadNearG);
        double laneZ = camera.DepthAtGroundFraction(midRoadG);
        double tile = layout.TileSize;
        ulong tileSeed = SplitMix64.Mix((ulong)tile.GetHashCode(), 7);
        for (int y = 0; y < h; y++)
        {
            byte* row = data + y * step;
            if (y <= camera.HorizonY)
            {
                var c = layout.SkyTop.Mix(layout.SkyHorizon, Math.Pow(y / Math.Max(1, camera.HorizonY), 1.5));
                for (int x = 0; x < w; x++) { row[3 * x] = c.B; row[3 * x + 1] = c.G; row[3 * x + 2] = c.R; }
                continue;
            }
            double g = (y - camera.HorizonY) / (h - camera.HorizonY);
            double fade = Math.Clamp(Math.Pow(1 - g, 6) * 0.8, 0, 0.8); // distance haze towards the horizon
            bool road = g >= layout.RoadFarG && g <= layout.RoadNearG;
            bool curb = !road && (Math.Abs(g - layout.RoadFarG) < 0.012 || Math.Abs(g - layout.RoadNearG) < 0.012);
            // Depth is constant along a row: everything that depends on it is computed once per row.
            double gz = camera.GroundAt(0, y).Z;
            double footprint = gz / camera.Focal; // metres per pixel across
            double zFootprint = footprint * gz / GroundCamera.CameraHeight; // metres of depth per pixel row
            if (road || curb)
            {
                var plain = (curb ? new Bgr(175, 178, 180) : layout.Asphalt).Mix(haze, fade);
                // Dashed centre line: 3 m dashes every 6 m, 12 cm wide, faded in where thinner than a pixel.
                bool lane = road && Math.Abs(gz - laneZ) < Math.Max(0.06, 0.5 * zFootprint);
                var paint = layout.Asphalt.Mix(new Bgr(225, 230, 230), Math.Min(1, 0.12 / zFootprint)).Mix(haze, fade);
                for (int x = 0; x < w; x++)
                {
                    double gxm = (x - camera.CenterX) * footprint;
                    var c = lane && ((gxm % 6) + 6) % 6 < 3 ? paint : plain;
                    row[3 * x] = c.B; row[3 * x + 1] = c.G; row[3 * x + 2] = c.R;
                }
                continue;
            }
            long iz = (long)Math.Floor(gz / tile);
            double fz = gz / tile - iz;
            double dz = Math.Min(fz, 1 - fz) * tile / zFootprint;
            // Grout lines 3 cm wide; where that is under a pixel they blend in by coverage.
            double groutZ = 0.03 / zFootprint, groutX = 0.03 / footprint;
            double rowGrout = dz < Math.Max(0.5, groutZ * 0.5) ? Math.Min(1, groutZ) : 0;
            var grout = layout.Paving.Scale(0.55);
            long lastTile = long.MinValue;
            Bgr tileColor = default, groutColor = default;
            for (int x = 0; x < w; x++)
            {
                double gxm = (x - camera.CenterX) * footprint;
                long ix = (long)Math.Floor(gxm / tile);
                if (ix != lastTile)
                {
                    lastTile = ix;
                    double tint = (SplitMix64.Mix(tileSeed, ix, iz) >> 40) / (double)(1UL << 24);
                    var baseColor = (((ix + iz) & 1) == 0 ? layout.Paving : layout.PavingAlt).Scale(0.93 + 0.12 * tint);
                    tileColor = baseColor.Mix(haze, fade);
                    groutColor = baseColor.Mix(grout, Math.Max(rowGrout, Math.Min(1, groutX)) * 0.8).Mix(haze, fade);
                }
                double fx = gxm / tile - ix;
                double dx = Math.Min(fx, 1 - fx) * tile / footprint;
                bool onGrout = rowGrout > 0 || dx < Math.Max(0.5, groutX * 0.5);
                var c = onGrout ? groutColor : tileColor;
                row[3 * x] = c.B;
                row[3 * x + 1] = c.G;
                row[3 * x + 2] = c.R;
            }
        }
    }

    private void PaintSkyline(SceneLayout layout, ref SplitMix64 rng)
    {
        var camera = layout.Camera;
        var painter = new Painter();
        painter.BeginColor(Image);
        double hy = camera.HorizonY;
        for (int i = 0; i < 3; i++)
        {
            var cloud = new Vec2(rng.Range(0, camera.Width), rng.Range(0.1, 0.6) * hy);
            for (int k = 0; k < 4; k++)
                painter.Ellipse(cloud + new Vec2(rng.Range(-40, 40), rng.Range(-6, 6)) * (camera.Height / 480.0),
                    rng.Range(25, 60) * camera.Height / 480.0, rng.Range(8, 16) * camera.Height / 480.0, 0,
                    layout.SkyTop.Mix(new Bgr(250, 250, 250), rng.Range(0.5, 0.8)));
        }
        double x = rng.Range(-30, 0);
        while (x < camera.Width)
        {
            double bw = rng.Range(0.04, 0.15) * camera.Width;
            if (rng.Chance(0.2))
            {
                var leaves = Bgr.FromHsv(rng.Range(90, 130), 0.5, rng.Range(0.25, 0.45));
                painter.Ellipse(new Vec2(x + bw / 2, hy), bw / 2, rng.Range(0.03, 0.07) * camera.Height, 0, leaves);
            }
            else if (rng.Chance(0.85))
            {
                double bh = rng.Range(0.04, 0.2) * camera.Height;
                var wall = rng.Chance(0.5)
                    ? Bgr.FromHsv(rng.Range(15, 45), rng.Range(0.1, 0.35), rng.Range(0.45, 0.8))
                    : Bgr.FromHsv(0, 0, rng.Range(0.4, 0.8));
                wall = wall.Mix(layout.SkyHorizon, 0.35);
                painter.Rect(new Vec2(x, hy - bh), new Vec2(x + bw, hy + 1), wall);
                double cell = Math.Max(4, 0.018 * camera.Height);
                var glass = wall.Scale(rng.Chance(0.5) ? 0.6 : 1.2);
                for (double wy = hy - bh + cell * 0.6; wy < hy - cell; wy += cell * 1.6)
                    for (double wx = x + cell * 0.6; wx < x + bw - cell; wx += cell * 1.5)
                        painter.Rect(new Vec2(wx, wy), new Vec2(wx + cell * 0.7, wy + cell * 0.8), glass);
            }
            x += bw + (rng.Chance(0.3) ? rng.Range(5, 40) : 0);
        }
    }

    /// <summary>Adds fixed per-pixel texture (±6 grey levels) so that flat areas are not flat.</summary>
    private unsafe void AddTexture(ulong seed)
    {
        int w = Image.Cols, h = Image.Rows;
        byte* data = (byte*)Image.DataPointer;
        long step = Image.Step();
        for (int y = 0; y < h; y++)
        {
            var rng = new SplitMix64(SplitMix64.Mix(seed, y));
            byte* row = data + y * step;
            for (int x = 0; x < w; x++)
            {
                ulong bits = rng.NextUInt64();
                int n = (int)(bits & 7) + (int)((bits >> 3) & 7) - 7; // triangular in [-7, 7]
                for (int c = 0; c < 3; c++)
                {
                    int v = row[3 * x + c] + n + (int)((bits >> (8 + 4 * c)) & 3) - 1;
                    row[3 * x + c] = (byte)(v < 0 ? 0 : v > 255 ? 255 : v);
                }
            }
        }
    }

    public void Dispose()
    {
        foreach (var s in Sprites) s.Dispose();
        Image.Dispose();
    }
}
