namespace MaskStream.Ingest.Synthetic;

/// <summary>The static occluders objects pass behind.</summary>
internal enum OccluderKind
{
    Pillar,
    Tree,
    Wall,
}

/// <summary>A static object standing on the ground at (X, Z): not annotated, but it hides what is behind it.</summary>
internal sealed record Occluder(OccluderKind Kind, double X, double Z, double Width, double Height, Bgr Color, Bgr Accent, ulong Texture);

/// <summary>
/// Everything about a scene that does not change over time, derived from the seed: camera height
/// of the horizon, the road band, the static occluders and the colours of sky and ground.
/// </summary>
internal sealed class SceneLayout
{
    public SceneLayout(SyntheticSceneOptions options)
    {
        var rng = new SplitMix64(SplitMix64.Mix(options.Seed, 0x4C41594FL));
        Camera = new GroundCamera(options.Width, options.Height, rng.Range(0.26, 0.4));
        RoadFarG = rng.Range(0.26, 0.4);
        RoadNearG = RoadFarG + rng.Range(0.1, 0.2);
        SkyTop = rng.NextDouble() switch
        {
            < 0.55 => Bgr.FromHsv(rng.Range(200, 225), rng.Range(0.4, 0.7), rng.Range(0.7, 0.95)),
            < 0.8 => Bgr.FromHsv(rng.Range(200, 220), rng.Range(0.05, 0.15), rng.Range(0.55, 0.85)),
            _ => Bgr.FromHsv(rng.Range(230, 260), rng.Range(0.3, 0.5), rng.Range(0.4, 0.6)),
        };
        SkyHorizon = SkyTop.Mix(rng.Chance(0.25) ? Bgr.FromHsv(rng.Range(15, 40), 0.5, 0.95) : new Bgr(235, 235, 235), rng.Range(0.4, 0.8));
        Paving = rng.Chance(0.6)
            ? Bgr.FromHsv(rng.Range(20, 45), rng.Range(0.1, 0.3), rng.Range(0.5, 0.75))
            : Bgr.FromHsv(0, 0, rng.Range(0.45, 0.7));
        PavingAlt = Paving.Scale(rng.Range(0.82, 0.95));
        TileSize = rng.Range(0.5, 1.2);
        Asphalt = Bgr.FromHsv(0, 0, rng.Range(0.22, 0.35));
        Occluders = CreateOccluders(options.Occluders, ref rng);
    }

    public GroundCamera Camera { get; }

    /// <summary>The road's far and near edges as ground fractions (0 = horizon, 1 = bottom row); cars drive on it.</summary>
    public double RoadFarG { get; }
    public double RoadNearG { get; }

    public Bgr SkyTop { get; }
    public Bgr SkyHorizon { get; }
    public Bgr Paving { get; }
    public Bgr PavingAlt { get; }
    public double TileSize { get; }
    public Bgr Asphalt { get; }

    /// <summary>Occluders, far to near.</summary>
    public IReadOnlyList<Occluder> Occluders { get; }

    private Occluder[] CreateOccluders(int count, ref SplitMix64 rng)
    {
        var list = new List<Occluder>(count);
        for (int i = 0; i < count; i++)
        {
            // Keep the road clear and spread occluders over the depth range walkers use.
            double g = rng.Chance(0.5) ? rng.Range(0.2, RoadFarG - 0.02) : rng.Range(RoadNearG + 0.04, 0.9);
            double z = Camera.DepthAtGroundFraction(g);
            double x = rng.Range(-0.85, 0.85) * Camera.HalfWidthAt(z);
            var kind = (OccluderKind)rng.Next(0, 3);
            list.Add(kind switch
            {
                OccluderKind.Pillar => new Occluder(kind, x, z, rng.Range(0.4, 0.8), 12,
                    Bgr.FromHsv(rng.Range(20, 50), rng.Range(0, 0.2), rng.Range(0.55, 0.85)), default, rng.NextUInt64()),
                OccluderKind.Tree => new Occluder(kind, x, z, rng.Range(0.22, 0.4), rng.Range(4, 6.5),
                    Bgr.FromHsv(rng.Range(20, 35), rng.Range(0.4, 0.6), rng.Range(0.2, 0.35)),
                    Bgr.FromHsv(rng.Range(85, 135), rng.Range(0.45, 0.75), rng.Range(0.3, 0.55)), rng.NextUInt64()),
                _ => rng.Chance(0.5)
                    ? new Occluder(kind, x, z, rng.Range(2.5, 5), rng.Range(0.7, 1.1),
                        Bgr.FromHsv(rng.Range(5, 20), rng.Range(0.5, 0.7), rng.Range(0.4, 0.6)), new Bgr(170, 180, 190), rng.NextUInt64())
                    : new Occluder(kind, x, z, rng.Range(2.5, 5), rng.Range(0.8, 1.2),
                        Bgr.FromHsv(rng.Range(90, 130), rng.Range(0.5, 0.7), rng.Range(0.25, 0.45)), default, rng.NextUInt64()),
            });
        }
        list.Sort((a, b) => b.Z.CompareTo(a.Z));
        return [.. list];
    }
}
