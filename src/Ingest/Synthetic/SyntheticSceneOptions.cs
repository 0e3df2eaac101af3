using System.Globalization;
using System.Text;

namespace MaskStream.Ingest.Synthetic;

/// <summary>
/// Everything that determines a synthetic scene: the scene at frame n is a pure function of these
/// values and n. Written as a URI, <c>synthetic://walkers?seed=7&amp;size=640x480&amp;fps=30&amp;people=6</c>;
/// every parameter has a default, so <c>synthetic://walkers</c> alone is a complete scene.
/// </summary>
public sealed record SyntheticSceneOptions
{
    public const string Scheme = "synthetic://";
    public const string DefaultScene = "walkers";
    public const int MinSize = 32;
    public const int MaxSize = 4096;

    /// <summary>Scene kind (the URI host). Only <c>walkers</c> exists: people, cars and dogs on a ground plane.</summary>
    public string Scene { get; init; } = DefaultScene;

    /// <summary>Seed of everything random: background, occluders, object schedules, appearance, lighting.</summary>
    public ulong Seed { get; init; } = 1;

    public int Width { get; init; } = 640;
    public int Height { get; init; } = 480;

    /// <summary>Frames per second; motion is in metres per second, so a higher rate gives smaller steps per frame.</summary>
    public double Fps { get; init; } = 30;

    /// <summary>Average number of people in view.</summary>
    public double People { get; init; } = 6;

    /// <summary>Average number of cars in view.</summary>
    public double Cars { get; init; } = 0.7;

    /// <summary>Average number of dogs in view.</summary>
    public double Dogs { get; init; } = 1;

    /// <summary>Static occluders (pillars, trees, low walls) that objects pass behind.</summary>
    public int Occluders { get; init; } = 3;

    /// <summary>Camera noise amplitude in grey levels (0 = none).</summary>
    public int Noise { get; init; } = 3;

    /// <summary>Strength of the lighting changes over time (0 = constant light, 1 = full drift and cloud shadows).</summary>
    public double Lighting { get; init; } = 1;

    /// <summary>As a frame source: paced at <see cref="Fps"/> like a camera (true) or as fast as it is read (false).</summary>
    public bool Live { get; init; } = true;

    /// <summary>As a frame source: number of frames before the stream ends; null = endless.</summary>
    public long? Frames { get; init; }

    /// <summary>As a frame source: the first frame number.</summary>
    public long Start { get; init; }

    private static readonly string[] Parameters =
        ["seed", "size", "fps", "people", "cars", "dogs", "occluders", "noise", "lighting", "live", "frames", "start"];

    /// <summary>The allowed parameter names, in the order the URI form writes them.</summary>
    public static IReadOnlyList<string> ParameterNames => Parameters;

    /// <summary>
    /// Parses a <c>synthetic://</c> URI. Throws <see cref="FormatException"/> with one message that
    /// names the offending part and what is allowed.
    /// </summary>
    public static SyntheticSceneOptions Parse(string uri)
    {
        ArgumentNullException.ThrowIfNull(uri);
        if (!uri.StartsWith(Scheme, StringComparison.Ordinal))
            throw new FormatException(
                $"synthetic:// URI '{uri}' is malformed: expected {Scheme}{DefaultScene}?name=value&name=value (parameters: {string.Join(", ", Parameters)})");
        string rest = uri[Scheme.Length..];
        int q = rest.IndexOf('?');
        string scene = q < 0 ? rest : rest[..q];
        if (scene.EndsWith('/')) scene = scene[..^1];
        if (scene.Length == 0) scene = DefaultScene;
        if (scene != DefaultScene)
            throw new FormatException($"synthetic:// scene '{scene}' is not known: expected {DefaultScene}");

        var options = new SyntheticSceneOptions();
        if (q < 0 || q == rest.Length - 1) return options;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (string pair in rest[(q + 1)..].Split('&'))
        {
            int eq = pair.IndexOf('=');
            if (eq <= 0)
                throw new FormatException(
                    $"synthetic:// URI '{uri}' is malformed at '{pair}': expected name=value pairs joined by '&' (parameters: {string.Join(", ", Parameters)})");
            string name = pair[..eq], value = pair[(eq + 1)..];
            if (Array.IndexOf(Parameters, name) < 0)
                throw new FormatException(
                    $"synthetic:// parameter '{name}' is not known: expected one of {string.Join(", ", Parameters)}");
            if (!seen.Add(name))
                throw new FormatException($"synthetic:// parameter '{name}' is given twice: give it once");
            options = Apply(options, name, value);
        }
        return options;
    }

    private static SyntheticSceneOptions Apply(SyntheticSceneOptions o, string name, string value) => name switch
    {
        "seed" => o with { Seed = ParseSeed(value) },
        "size" => ParseSize(o, value),
        "fps" => o with { Fps = ParseDouble(name, value, 1, 240, "a number with 1 ≤ fps ≤ 240") },
        "people" => o with { People = ParseDouble(name, value, 0, 64, "an average count with 0 ≤ people ≤ 64") },
        "cars" => o with { Cars = ParseDouble(name, value, 0, 16, "an average count with 0 ≤ cars ≤ 16") },
        "dogs" => o with { Dogs = ParseDouble(name, value, 0, 16, "an average count with 0 ≤ dogs ≤ 16") },
        "occluders" => o with { Occluders = (int)ParseLong(name, value, 0, 16, "an integer with 0 ≤ occluders ≤ 16") },
        "noise" => o with { Noise = (int)ParseLong(name, value, 0, 32, "an integer with 0 ≤ noise ≤ 32") },
        "lighting" => o with { Lighting = ParseDouble(name, value, 0, 1, "a number with 0 ≤ lighting ≤ 1") },
        "live" => o with { Live = ParseBool(name, value) },
        "frames" => o with { Frames = ParseLong(name, value, 1, long.MaxValue, "a frame count ≥ 1") },
        "start" => o with { Start = ParseLong(name, value, 0, long.MaxValue / 2, "a frame number ≥ 0") },
        _ => throw new InvalidOperationException(name),
    };

    /// <summary>Checks the invariants of options built in code (the parser checks its own); throws <see cref="FormatException"/>.</summary>
    public SyntheticSceneOptions Validate()
    {
        if (Width < MinSize || Width > MaxSize || Height < MinSize || Height > MaxSize)
            throw Bad("size", $"{Width}x{Height}", SizeRule);
        if (!(Fps >= 1 && Fps <= 240)) throw Bad("fps", Fps.ToString(CultureInfo.InvariantCulture), "a number with 1 ≤ fps ≤ 240");
        if (!(People >= 0 && People <= 64)) throw Bad("people", People.ToString(CultureInfo.InvariantCulture), "0 ≤ people ≤ 64");
        if (!(Cars >= 0 && Cars <= 16)) throw Bad("cars", Cars.ToString(CultureInfo.InvariantCulture), "0 ≤ cars ≤ 16");
        if (!(Dogs >= 0 && Dogs <= 16)) throw Bad("dogs", Dogs.ToString(CultureInfo.InvariantCulture), "0 ≤ dogs ≤ 16");
        if (Occluders is < 0 or > 16) throw Bad("occluders", Occluders.ToString(CultureInfo.InvariantCulture), "0 ≤ occluders ≤ 16");
        if (Noise is < 0 or > 32) throw Bad("noise", Noise.ToString(CultureInfo.InvariantCulture), "0 ≤ noise ≤ 32");
        if (!(Lighting >= 0 && Lighting <= 1)) throw Bad("lighting", Lighting.ToString(CultureInfo.InvariantCulture), "0 ≤ lighting ≤ 1");
        if (Frames is < 1) throw Bad("frames", Frames.Value.ToString(CultureInfo.InvariantCulture), "a frame count ≥ 1");
        if (Start < 0) throw Bad("start", Start.ToString(CultureInfo.InvariantCulture), "a frame number ≥ 0");
        return this;
    }

    /// <summary>The canonical URI form (every parameter written), which <see cref="Parse"/> reads back to an equal record.</summary>
    public string ToUri()
    {
        var ci = CultureInfo.InvariantCulture;
        var sb = new StringBuilder(Scheme).Append(Scene)
            .Append("?seed=").Append(Seed.ToString(ci))
            .Append("&size=").Append(Width.ToString(ci)).Append('x').Append(Height.ToString(ci))
            .Append("&fps=").Append(Fps.ToString(ci))
            .Append("&people=").Append(People.ToString(ci))
            .Append("&cars=").Append(Cars.ToString(ci))
            .Append("&dogs=").Append(Dogs.ToString(ci))
            .Append("&occluders=").Append(Occluders.ToString(ci))
            .Append("&noise=").Append(Noise.ToString(ci))
            .Append("&lighting=").Append(Lighting.ToString(ci))
            .Append("&live=").Append(Live ? "true" : "false");
        if (Frames is { } frames) sb.Append("&frames=").Append(frames.ToString(ci));
        if (Start != 0) sb.Append("&start=").Append(Start.ToString(ci));
        return sb.ToString();
    }

    private const string SizeRule = "expected WxH with 32 ≤ W,H ≤ 4096";

    private static FormatException Bad(string name, string value, string rule) =>
        new($"synthetic:// parameter '{name}' = '{value}': {(rule.StartsWith("expected", StringComparison.Ordinal) ? rule : "expected " + rule)}");

    private static ulong ParseSeed(string value) =>
        ulong.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out ulong seed)
            ? seed
            : throw Bad("seed", value, "an integer with 0 ≤ seed ≤ 18446744073709551615");

    private static SyntheticSceneOptions ParseSize(SyntheticSceneOptions o, string value)
    {
        int x = value.IndexOf('x');
        if (x <= 0
            || !int.TryParse(value.AsSpan(0, x), NumberStyles.None, CultureInfo.InvariantCulture, out int w)
            || !int.TryParse(value.AsSpan(x + 1), NumberStyles.None, CultureInfo.InvariantCulture, out int h)
            || w < MinSize || w > MaxSize || h < MinSize || h > MaxSize)
            throw Bad("size", value, SizeRule);
        return o with { Width = w, Height = h };
    }

    private static double ParseDouble(string name, string value, double min, double max, string rule) =>
        double.TryParse(value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double d) && d >= min && d <= max
            ? d
            : throw Bad(name, value, rule);

    private static long ParseLong(string name, string value, long min, long max, string rule) =>
        long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out long v) && v >= min && v <= max
            ? v
            : throw Bad(name, value, rule);

    private static bool ParseBool(string name, string value) => value switch
    {
        "true" or "1" => true,
        "false" or "0" => false,
        _ => throw Bad(name, value, "true or false"),
    };
}
