namespace MaskStream.Evaluation.Mot;

/// <summary>TrackEval's HOTA, CLEAR and Identity results for one sequence or combined sequences.</summary>
public sealed record TrackEvalMetrics(HotaMetrics Hota, ClearMetrics Clear, IdentityMetrics Identity)
{
    /// <summary>HOTA, CLEAR (threshold 0.5) and Identity (threshold 0.5) of one sequence.</summary>
    public static TrackEvalMetrics Evaluate(MotSequence sequence, double threshold = 0.5)
    {
        var data = TrackEvalData.From(sequence);
        return new TrackEvalMetrics(HotaMetrics.Evaluate(data), ClearMetrics.Evaluate(data, threshold), IdentityMetrics.Evaluate(data, threshold));
    }

    /// <summary>TrackEval's <c>combine_sequences</c> for each metric.</summary>
    public static TrackEvalMetrics Combine(IReadOnlyList<TrackEvalMetrics> parts) => new(
        HotaMetrics.Combine([.. parts.Select(p => p.Hota)]),
        ClearMetrics.Combine([.. parts.Select(p => p.Clear)]),
        IdentityMetrics.Combine([.. parts.Select(p => p.Identity)]));
}
