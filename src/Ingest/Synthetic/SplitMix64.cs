namespace MaskStream.Ingest.Synthetic;

/// <summary>
/// SplitMix64 (Steele, Lea, Flood 2014): a tiny, fast generator whose output for a given seed is
/// fixed forever, unlike System.Random, whose algorithm may change between runtimes. The scene
/// derives one stream per purpose with <see cref="Mix"/>, so adding a new random draw in one place
/// never shifts the numbers drawn elsewhere.
/// </summary>
internal struct SplitMix64(ulong seed)
{
    private ulong _state = seed;

    public ulong NextUInt64()
    {
        ulong z = _state += 0x9E3779B97F4A7C15UL;
        return Finalize(z);
    }

    /// <summary>Uniform in [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform in [min, max).</summary>
    public double Range(double min, double max) => min + (max - min) * NextDouble();

    /// <summary>Uniform integer in [min, max).</summary>
    public int Next(int min, int max) => min + (int)((NextUInt64() >> 33) % (ulong)(max - min));

    public bool Chance(double probability) => NextDouble() < probability;

    /// <summary>A well-mixed hash of a seed and a list of keys, for deriving independent streams.</summary>
    public static ulong Mix(ulong seed, long a, long b = 0, long c = 0)
    {
        ulong h = Finalize(seed + 0x9E3779B97F4A7C15UL);
        h = Finalize(h ^ (ulong)a * 0xD6E8FEB86659FD93UL);
        h = Finalize(h ^ (ulong)b * 0xA0761D6478BD642FUL);
        return Finalize(h ^ (ulong)c * 0xE7037ED1A0B428DBUL);
    }

    private static ulong Finalize(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
