namespace MaskStream.Ingest.Synthetic;

/// <summary>
/// Who is in the scene when. Time is cut into epochs of <see cref="EpochSeconds"/>; the actors that
/// start in an epoch are generated from (seed, epoch) alone, so any frame's actors are found by
/// generating the few epochs whose actors can still be walking then, without replaying the past.
/// Track ids encode (epoch, index), so they are unique and the same whichever frame asks first.
/// </summary>
internal sealed class ActorSchedule
{
    public const double EpochSeconds = 20;
    public const double MaxLifeSeconds = 58;
    private const int LookBack = 3; // ceil(MaxLifeSeconds / EpochSeconds) earlier epochs can still have actors walking
    private const int MaxPerEpoch = 999;
    private const int CacheSize = 8;

    private readonly SyntheticSceneOptions _options;
    private readonly SceneLayout _layout;
    private readonly long _epochFrames;
    private readonly Dictionary<long, ActorScript[]> _cache = [];
    private readonly Queue<long> _cacheOrder = new();
    private readonly Lock _lock = new();

    public ActorSchedule(SyntheticSceneOptions options, SceneLayout layout)
    {
        _options = options;
        _layout = layout;
        _epochFrames = Math.Max(1, (long)Math.Round(EpochSeconds * options.Fps));
    }

    /// <summary>Fills <paramref name="result"/> with the state of every actor alive at the frame.</summary>
    public void ActiveAt(long frame, List<ActorState> result)
    {
        result.Clear();
        long epoch = FloorDiv(frame, _epochFrames);
        for (long e = epoch - LookBack; e <= epoch; e++)
        {
            foreach (var a in Epoch(e))
            {
                if (frame < a.StartFrame || frame >= a.EndFrame) continue;
                result.Add(a.StateAt((frame - a.StartFrame) / _options.Fps));
            }
        }
    }

    private ActorScript[] Epoch(long epoch)
    {
        lock (_lock)
        {
            if (_cache.TryGetValue(epoch, out var cached)) return cached;
            var created = Generate(epoch);
            _cache[epoch] = created;
            _cacheOrder.Enqueue(epoch);
            if (_cacheOrder.Count > CacheSize) _cache.Remove(_cacheOrder.Dequeue());
            return created;
        }
    }

    private ActorScript[] Generate(long epoch)
    {
        var drafts = new List<ActorScript>();
        AddClass(drafts, epoch, SyntheticClasses.Person, _options.People);
        AddClass(drafts, epoch, SyntheticClasses.Car, _options.Cars);
        AddClass(drafts, epoch, SyntheticClasses.Dog, _options.Dogs);
        drafts.Sort((a, b) => a.StartFrame != b.StartFrame ? a.StartFrame.CompareTo(b.StartFrame) : a.ClassId.CompareTo(b.ClassId));
        if (drafts.Count > MaxPerEpoch) drafts.RemoveRange(MaxPerEpoch, drafts.Count - MaxPerEpoch);
        var actors = new ActorScript[drafts.Count];
        // Epochs before frame 0 (down to -LookBack) populate the first frames; +LookBack keeps ids positive.
        int baseId = checked((int)((epoch + LookBack) * (MaxPerEpoch + 1)));
        for (int i = 0; i < actors.Length; i++)
        {
            var d = drafts[i];
            actors[i] = new ActorScript
            {
                TrackId = baseId + i + 1, ClassId = d.ClassId, StartFrame = d.StartFrame,
                EndFrame = d.StartFrame + (long)Math.Ceiling(d.DurationSeconds * _options.Fps) + 1,
                X0 = d.X0, Z0 = d.Z0, X1 = d.X1, Z1 = d.Z1, Speed = d.Speed, PauseDistance = d.PauseDistance,
                PauseSeconds = d.PauseSeconds, Size = d.Size, PhaseOffset = d.PhaseOffset, YawBias = d.YawBias, Look = d.Look,
            };
        }
        return actors;
    }

    /// <summary>
    /// Adds walks until their summed duration reaches density × epoch length, so that on average
    /// <paramref name="density"/> actors of the class are in view. The last walk is kept with the
    /// probability that makes the expected sum exact.
    /// </summary>
    private void AddClass(List<ActorScript> list, long epoch, int classId, double density)
    {
        var rng = new SplitMix64(SplitMix64.Mix(_options.Seed, 0x41435452L, epoch, classId));
        double target = density * EpochSeconds, sum = 0;
        while (sum < target && list.Count < MaxPerEpoch)
        {
            long start = epoch * _epochFrames + (long)(rng.NextDouble() * _epochFrames);
            var actor = classId switch
            {
                SyntheticClasses.Person => Person(ref rng, start),
                SyntheticClasses.Car => Car(ref rng, start),
                _ => Dog(ref rng, start),
            };
            double duration = actor.DurationSeconds;
            if (sum + duration > target && rng.NextDouble() > (target - sum) / duration) break;
            list.Add(actor);
            sum += duration;
        }
    }

    private ActorScript Person(ref SplitMix64 rng, long start)
    {
        double size = rng.Chance(0.12) ? rng.Range(1.1, 1.45) : rng.Range(1.55, 1.95);
        var (x0, z0, x1, z1) = Path(ref rng, 0.18, 1.22, 0.6);
        double speed = rng.Range(0.9, 1.7) * Math.Sqrt(size / 1.75);
        double length = Math.Sqrt((x1 - x0) * (x1 - x0) + (z1 - z0) * (z1 - z0));
        double pause = rng.Chance(0.25) ? rng.Range(1.5, 6) : 0;
        speed = Math.Max(speed, length / (MaxLifeSeconds - pause));
        return new ActorScript
        {
            TrackId = 0, ClassId = SyntheticClasses.Person, StartFrame = start, X0 = x0, Z0 = z0, X1 = x1, Z1 = z1,
            Speed = speed, PauseSeconds = pause, PauseDistance = pause > 0 ? length * rng.Range(0.3, 0.7) : 0, Size = size,
            PhaseOffset = rng.Range(0, 2 * Math.PI), YawBias = rng.Range(0.25, 0.6), Look = PersonLook.Create(ref rng),
        };
    }

    private ActorScript Dog(ref SplitMix64 rng, long start)
    {
        double size = rng.Range(0.55, 1.0);
        var (x0, z0, x1, z1) = Path(ref rng, 0.3, 1.15, 0.7);
        double length = Math.Sqrt((x1 - x0) * (x1 - x0) + (z1 - z0) * (z1 - z0));
        double speed = Math.Max(rng.Range(1.0, 2.6), length / MaxLifeSeconds);
        return new ActorScript
        {
            TrackId = 0, ClassId = SyntheticClasses.Dog, StartFrame = start, X0 = x0, Z0 = z0, X1 = x1, Z1 = z1,
            Speed = speed, Size = size, PhaseOffset = rng.Range(0, 2 * Math.PI), YawBias = rng.Range(0, 0.3),
            Look = DogLook.Create(ref rng),
        };
    }

    private ActorScript Car(ref SplitMix64 rng, long start)
    {
        var camera = _layout.Camera;
        double size = rng.Range(3.8, 4.9);
        // Two lanes: the far one drives left, the near one right.
        bool nearLane = rng.Chance(0.5);
        double g = nearLane
            ? _layout.RoadNearG - (_layout.RoadNearG - _layout.RoadFarG) * 0.3
            : _layout.RoadFarG + (_layout.RoadNearG - _layout.RoadFarG) * 0.25;
        double z = camera.DepthAtGroundFraction(g);
        double dir = nearLane ? 1 : -1, margin = size * 0.5 + 0.5;
        double x0 = -dir * (camera.HalfWidthAt(z) + margin), x1 = dir * (camera.HalfWidthAt(z) + margin);
        double speed = Math.Max(rng.Range(3.5, 10), Math.Abs(x1 - x0) / MaxLifeSeconds);
        return new ActorScript
        {
            TrackId = 0, ClassId = SyntheticClasses.Car, StartFrame = start, X0 = x0, Z0 = z, X1 = x1, Z1 = z,
            Speed = speed, Size = size, Look = CarLook.Create(ref rng),
        };
    }

    /// <summary>
    /// A straight path from just outside one side of the frame to just outside the other, between
    /// ground fractions <paramref name="gMin"/> (far) and <paramref name="gMax"/> (near, beyond 1
    /// the feet are below the frame): mostly across, sometimes diagonally towards or away from the camera.
    /// </summary>
    private (double X0, double Z0, double X1, double Z1) Path(ref SplitMix64 rng, double gMin, double gMax, double margin)
    {
        var camera = _layout.Camera;
        double g0, g1;
        if (rng.Chance(0.65))
        {
            g0 = rng.Range(gMin, gMax);
            g1 = Math.Clamp(g0 * rng.Range(0.8, 1.25), gMin, gMax);
        }
        else
        {
            g0 = rng.Range(Math.Max(gMin, 0.7), gMax);
            g1 = rng.Range(gMin, Math.Min(gMax, 0.4));
            if (rng.Chance(0.5)) (g0, g1) = (g1, g0);
        }
        double z0 = camera.DepthAtGroundFraction(g0), z1 = camera.DepthAtGroundFraction(g1);
        double dir = rng.Chance(0.5) ? 1 : -1;
        return (-dir * (camera.HalfWidthAt(z0) + margin), z0, dir * (camera.HalfWidthAt(z1) + margin), z1);
    }

    private static long FloorDiv(long a, long b) => a >= 0 ? a / b : -((-a + b - 1) / b);
}
