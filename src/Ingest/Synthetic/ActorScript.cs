namespace MaskStream.Ingest.Synthetic;

/// <summary>
/// One object's whole life in the scene, fixed when its epoch is generated: a straight path on the
/// ground from an off-screen start to an off-screen end, walked at constant speed with an optional
/// pause, and a look. Its position at any frame is a pure function of the frame number.
/// </summary>
internal sealed class ActorScript
{
    public required int TrackId { get; init; }
    public required int ClassId { get; init; }

    /// <summary>First frame of the walk (inclusive).</summary>
    public required long StartFrame { get; init; }

    /// <summary>Frame after the last one of the walk.</summary>
    public long EndFrame { get; init; }

    /// <summary>Path start and end on the ground, metres.</summary>
    public required double X0 { get; init; }
    public required double Z0 { get; init; }
    public required double X1 { get; init; }
    public required double Z1 { get; init; }

    /// <summary>Walking speed, metres per second.</summary>
    public required double Speed { get; init; }

    /// <summary>Distance along the path where the actor stands still for <see cref="PauseSeconds"/>.</summary>
    public double PauseDistance { get; init; }
    public double PauseSeconds { get; init; }

    /// <summary>Body height (person), length (car, dog), metres.</summary>
    public required double Size { get; init; }

    /// <summary>Gait phase at the start of the path, radians.</summary>
    public double PhaseOffset { get; init; }

    /// <summary>How far the body is turned towards the camera while walking sideways, radians (people show both shoulders).</summary>
    public double YawBias { get; init; }

    /// <summary>Colours and shape variant; its type depends on the class.</summary>
    public required object Look { get; init; }

    public double PathLength => Math.Sqrt((X1 - X0) * (X1 - X0) + (Z1 - Z0) * (Z1 - Z0));

    public double DurationSeconds => PathLength / Speed + PauseSeconds;

    /// <summary>Where the actor is at a time (seconds since its start), and how strongly its gait swings (0 standing, 1 walking).</summary>
    public ActorState StateAt(double t)
    {
        double length = PathLength;
        double d;
        if (PauseSeconds > 0)
        {
            double arrive = PauseDistance / Speed;
            d = t < arrive ? Speed * t : t < arrive + PauseSeconds ? PauseDistance : Speed * (t - PauseSeconds);
        }
        else d = Speed * t;
        d = Math.Clamp(d, 0, length);
        double u = length > 0 ? d / length : 0;
        // The gait fades out over the last 40 cm before a pause and back in after it, so a walker
        // slows into a standing pose instead of freezing mid-stride.
        double amplitude = PauseSeconds > 0 ? Math.Clamp(Math.Abs(d - PauseDistance) / 0.4, 0, 1) : 1;
        double heading = Math.Atan2(Z1 - Z0, X1 - X0);
        return new ActorState(this, X0 + (X1 - X0) * u, Z0 + (Z1 - Z0) * u, heading, d, amplitude);
    }
}

/// <summary>An actor at one frame: ground position (metres), heading (radians, 0 = +X, π/2 = away from the camera), distance walked.</summary>
internal readonly record struct ActorState(ActorScript Script, double X, double Z, double Heading, double Distance, double Amplitude);
