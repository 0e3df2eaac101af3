namespace MaskStream.Evaluation.Mot;

/// <summary>py-motmetrics event types (RAW events are not kept; their counts live in the accumulator).</summary>
public enum MotEventType
{
    Match,
    Switch,
    Miss,
    FalsePositive,
    /// <summary>A hypothesis now covers a different object than before (sub-event of a match or switch).</summary>
    Transfer,
    /// <summary>A switch to a hypothesis never seen before.</summary>
    Ascend,
    /// <summary>A transfer to an object never matched before.</summary>
    Migrate,
}

/// <summary>One event; <see cref="ObjectId"/> or <see cref="HypothesisId"/> is null when it does not apply, <see cref="Distance"/> NaN.</summary>
public readonly record struct MotEvent(int Frame, MotEventType Type, long? ObjectId, long? HypothesisId, double Distance);
