namespace MaskStream.Evaluation.Mot;

/// <summary>A box [x, y, w, h] in continuous image coordinates (no +1 pixel convention).</summary>
public readonly record struct MotBox(double X, double Y, double W, double H);

public readonly record struct MotObject(long Id, MotBox Box);

/// <summary>One frame: ground-truth objects and tracker hypotheses, each in file order.</summary>
public sealed record MotFrame(int Frame, IReadOnlyList<MotObject> Gt, IReadOnlyList<MotObject> Hyp);

/// <summary>A sequence: every frame from the first to the last, empty ones included (they count in num_frames).</summary>
public sealed record MotSequence(string Name, IReadOnlyList<MotFrame> Frames);
