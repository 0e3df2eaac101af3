namespace MaskStream.Ingest.Synthetic;

/// <summary>How a person looks: skin, hair and clothes colours, sleeve and leg lengths, build.</summary>
internal sealed record PersonLook(Bgr Skin, Bgr Hair, Bgr Shirt, Bgr Pants, Bgr Shoes, bool ShortSleeves, bool Shorts,
    double Build, bool LongHair, bool Bag)
{
    private static readonly Bgr[] Skins =
    [
        new(189, 208, 241), new(160, 188, 226), new(122, 160, 205), new(96, 128, 176), new(66, 92, 135), new(46, 64, 96),
    ];

    private static readonly Bgr[] Hairs = [new(20, 22, 25), new(30, 45, 70), new(40, 80, 130), new(120, 170, 205), new(150, 150, 150), new(25, 30, 110)];

    public static PersonLook Create(ref SplitMix64 rng)
    {
        var skin = Skins[rng.Next(0, Skins.Length)];
        var hair = Hairs[rng.Next(0, Hairs.Length)];
        // Clothes: saturated colours, greys and darks in the proportions of a street crowd.
        Bgr Cloth(ref SplitMix64 r) => r.NextDouble() switch
        {
            < 0.45 => Bgr.FromHsv(r.Range(0, 360), r.Range(0.35, 0.9), r.Range(0.35, 0.95)),
            < 0.75 => Bgr.FromHsv(0, 0, r.Range(0.1, 0.9)),
            _ => Bgr.FromHsv(r.Range(200, 240), r.Range(0.3, 0.7), r.Range(0.2, 0.55)),
        };
        var shirt = Cloth(ref rng);
        var pants = rng.Chance(0.5) ? Bgr.FromHsv(rng.Range(205, 230), rng.Range(0.4, 0.7), rng.Range(0.25, 0.6)) : Cloth(ref rng).Scale(0.8);
        var shoes = Bgr.FromHsv(rng.Range(0, 360), rng.Range(0, 0.4), rng.Range(0.05, 0.9));
        return new PersonLook(skin, hair, shirt, pants, shoes, rng.Chance(0.35), rng.Chance(0.2), rng.Range(0.9, 1.2),
            rng.Chance(0.3), rng.Chance(0.2));
    }
}

/// <summary>How a car looks: paint, glass, body style.</summary>
internal sealed record CarLook(Bgr Paint, Bgr Glass, Bgr Trim, double Height, double CabinRear, double CabinFront, double RoofRear,
    double RoofFront, double WheelRadius)
{
    public static CarLook Create(ref SplitMix64 rng)
    {
        var paint = rng.NextDouble() switch
        {
            < 0.35 => Bgr.FromHsv(0, 0, rng.Range(0.08, 0.95)),
            < 0.5 => Bgr.FromHsv(rng.Range(200, 230), rng.Range(0.1, 0.3), rng.Range(0.5, 0.8)),
            _ => Bgr.FromHsv(rng.Range(0, 360), rng.Range(0.5, 0.95), rng.Range(0.35, 0.9)),
        };
        var glass = Bgr.FromHsv(rng.Range(190, 220), rng.Range(0.2, 0.5), rng.Range(0.2, 0.45));
        var trim = Bgr.FromHsv(0, 0, rng.Range(0.1, 0.25));
        bool van = rng.Chance(0.2);
        return van
            ? new CarLook(paint, glass, trim, rng.Range(1.8, 2.1), -0.48, 0.3, -0.48, 0.2, rng.Range(0.32, 0.38))
            : new CarLook(paint, glass, trim, rng.Range(1.35, 1.55), rng.Range(-0.38, -0.28), rng.Range(0.18, 0.28),
                rng.Range(-0.3, -0.2), rng.Range(0.02, 0.1), rng.Range(0.29, 0.35));
    }
}

/// <summary>How a dog looks: coat colours, proportions, ears and tail.</summary>
internal sealed record DogLook(Bgr Coat, Bgr Patch, double LegLength, double TailUp, bool FloppyEars)
{
    private static readonly Bgr[] Coats =
    [
        new(40, 80, 140), new(25, 25, 30), new(215, 225, 230), new(90, 160, 210), new(60, 90, 120), new(120, 120, 125),
    ];

    public static DogLook Create(ref SplitMix64 rng)
    {
        var coat = Coats[rng.Next(0, Coats.Length)];
        var patch = rng.Chance(0.5) ? coat.Scale(0.5) : Coats[rng.Next(0, Coats.Length)];
        return new DogLook(coat, patch, rng.Range(0.8, 1.2), rng.Range(-0.3, 1.0), rng.Chance(0.5));
    }
}
