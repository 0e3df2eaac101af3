namespace MaskStream.Kernels.RoiAlign;

/// <summary>Argument checks shared by every IRoiAlignKernel, so bad input fails the same way on CPU and GPU.</summary>
internal static class RoiAlignValidation
{
    /// <summary>Checks a call that writes RoI i into row i.</summary>
    public static void Check(in FeatureLevel level, ReadOnlySpan<RoiBox> rois, in RoiAlignParams p, int outputLength)
    {
        int rows = CheckCommon(level, rois, p, outputLength);
        if (rois.Length > rows)
            throw new ArgumentException(
                $"Output holds {rows} rows of [{level.Channels},{p.PooledHeight},{p.PooledWidth}], {rois.Length} RoIs need one each.",
                "output");
    }

    /// <summary>Checks a call that writes RoI i into row outputRows[i].</summary>
    public static void Check(in FeatureLevel level, ReadOnlySpan<RoiBox> rois, ReadOnlySpan<int> outputRows,
        in RoiAlignParams p, int outputLength)
    {
        int rows = CheckCommon(level, rois, p, outputLength);
        if (outputRows.Length != rois.Length)
            throw new ArgumentException($"{outputRows.Length} output rows for {rois.Length} RoIs: need one row per RoI.",
                nameof(outputRows));
        for (int i = 0; i < outputRows.Length; i++)
            if ((uint)outputRows[i] >= (uint)rows)
                throw new ArgumentOutOfRangeException(nameof(outputRows),
                    $"RoI {i}: output row {outputRows[i]} is outside the output's {rows} rows.");
    }

    private static int CheckCommon(in FeatureLevel level, ReadOnlySpan<RoiBox> rois, in RoiAlignParams p, int outputLength)
    {
        p.Validate();
        if (level.Batch == 0)
            throw new ArgumentException("Feature level is default (no data).", nameof(level));
        long perRow = (long)level.Channels * p.BinsPerChannel;
        if (outputLength % perRow != 0)
            throw new ArgumentException(
                $"Output length {outputLength} is not a multiple of C·ph·pw = {perRow} ([R,{level.Channels},{p.PooledHeight},{p.PooledWidth}]).",
                "output");
        for (int i = 0; i < rois.Length; i++)
        {
            int b = rois[i].BatchIndex;
            if ((uint)b >= (uint)level.Batch)
                throw new ArgumentOutOfRangeException(nameof(rois),
                    $"RoI {i}: batch index {b} is outside the feature map's batch [0, {level.Batch}).");
        }
        return (int)(outputLength / perRow);
    }
}
