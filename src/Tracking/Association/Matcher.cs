using MaskStream.Core.Appearance;
using MaskStream.Core.Assignment;
using MaskStream.Core.Geometry;
using MaskStream.Core.Masks;

namespace MaskStream.Tracking.Association;

/// <summary>
/// One association step's scratch: gathered boxes, classes, scores and masks of the rows (tracks) and
/// columns (detections), the cost matrix, and the solver with its result. Buffers only grow, so after
/// warm-up a step allocates nothing. One per tracker; not thread-safe.
/// </summary>
internal sealed class Matcher
{
    private readonly LinearAssignment _solver = new();
    private double[] _cost = new double[64 * 64];
    private BoxF[] _rowBoxes = new BoxF[64];
    private int[] _rowClasses = new int[64];
    private RleMask?[] _rowMasks = new RleMask?[64];
    private BoxF[] _colBoxes = new BoxF[64];
    private int[] _colClasses = new int[64];
    private float[] _colScores = new float[64];
    private RleMask?[] _colMasks = new RleMask?[64];
    private float[]?[] _rowAppearance = new float[]?[64];
    private ColorHistogram?[] _colAppearance = new ColorHistogram?[64];
    private float[] _rowWholeWidth = new float[64];
    private float[] _rowWholeHeight = new float[64];
    private int[] _colForRow = new int[64];
    private int[] _rowForCol = new int[64];

    public int Rows { get; private set; }
    public int Cols { get; private set; }

    /// <summary>For each row, its matched column or −1, after <see cref="Solve"/>.</summary>
    public ReadOnlySpan<int> ColForRow => _colForRow.AsSpan(0, Rows);

    /// <summary>For each column, its matched row or −1, after <see cref="Solve"/>.</summary>
    public ReadOnlySpan<int> RowForCol => _rowForCol.AsSpan(0, Cols);

    /// <summary>Starts a step of <paramref name="rows"/> tracks by <paramref name="cols"/> detections.</summary>
    public void Begin(int rows, int cols)
    {
        Rows = rows;
        Cols = cols;
        Grow(ref _rowBoxes, rows);
        Grow(ref _rowClasses, rows);
        Grow(ref _rowMasks, rows);
        Grow(ref _colForRow, rows);
        Grow(ref _colBoxes, cols);
        Grow(ref _colClasses, cols);
        Grow(ref _colScores, cols);
        Grow(ref _colMasks, cols);
        Grow(ref _rowAppearance, rows);
        Grow(ref _rowWholeWidth, rows);
        Grow(ref _rowWholeHeight, rows);
        Grow(ref _colAppearance, cols);
        Grow(ref _rowForCol, cols);
        Grow(ref _cost, rows * cols);
    }

    /// <param name="appearance">The track's averaged <see cref="ColorHistogram"/> bins, or null when it has none (or appearance is off).</param>
    /// <param name="wholeWidth">The size the track was last seen whole (0 when not needed): with <see cref="AppearanceUse.Decide"/>, a
    /// detection less than half of it either way is a partial view (<see cref="AppearanceCost.PartialRejectDistance"/>).</param>
    public void SetRow(int r, in BoxF box, int classId, RleMask? mask, float[]? appearance = null, float wholeWidth = 0, float wholeHeight = 0)
    {
        _rowWholeWidth[r] = wholeWidth;
        _rowWholeHeight[r] = wholeHeight;
        _rowBoxes[r] = box;
        _rowClasses[r] = classId;
        _rowMasks[r] = mask;
        _rowAppearance[r] = appearance;
    }

    public void SetCol(int c, in BoxF box, int classId, float score, RleMask? mask, ColorHistogram? appearance = null)
    {
        _colBoxes[c] = box;
        _colClasses[c] = classId;
        _colScores[c] = score;
        _colMasks[c] = mask;
        _colAppearance[c] = appearance;
    }

    /// <summary>Builds the cost matrix and solves it; pairs costing more than <paramref name="costLimit"/> are never matched.</summary>
    /// <param name="kind">How boxes are compared.</param>
    /// <param name="maxHeightGrowth">When positive, a detection taller than this many times a row's box is never matched to it.</param>
    /// <param name="appearance">How rows' and columns' appearance (where both have one) enters the cost.</param>
    /// <returns>Number of matched pairs.</returns>
    public int Solve(double costLimit, bool fuseScore, bool useMasks, BoxCost kind = BoxCost.Iou, float maxHeightGrowth = 0,
        in AppearanceCost appearance = default)
    {
        int rows = Rows, cols = Cols;
        if (rows == 0 || cols == 0)
        {
            _colForRow.AsSpan(0, rows).Fill(-1);
            _rowForCol.AsSpan(0, cols).Fill(-1);
            return 0;
        }
        var cost = _cost.AsSpan(0, rows * cols);
        var rowBoxes = _rowBoxes.AsSpan(0, rows);
        var colBoxes = _colBoxes.AsSpan(0, cols);
        switch (kind)
        {
            case BoxCost.Coverage:
                AssociationCost.CoverageDistance(rowBoxes, _rowClasses.AsSpan(0, rows), colBoxes, _colClasses.AsSpan(0, cols), cost);
                break;
            case BoxCost.CompletedIou:
                AssociationCost.CompletedIouDistance(rowBoxes, _rowClasses.AsSpan(0, rows), colBoxes, _colClasses.AsSpan(0, cols), cost);
                break;
            default:
                AssociationCost.IouDistance(rowBoxes, _rowClasses.AsSpan(0, rows), colBoxes, _colClasses.AsSpan(0, cols), cost);
                break;
        }
        if (useMasks) AssociationCost.MaskIouDistance(_rowMasks.AsSpan(0, rows), _colMasks.AsSpan(0, cols), cost);
        if (fuseScore) AssociationCost.FuseScore(cost, rows, _colScores.AsSpan(0, cols));
        var rowAppearance = _rowAppearance.AsSpan(0, rows);
        var colAppearance = _colAppearance.AsSpan(0, cols);
        switch (appearance.Use)
        {
            case AppearanceUse.Fuse:
                AssociationCost.FuseAppearance(cost, rowBoxes, rowAppearance, colBoxes, colAppearance, appearance, costLimit);
                break;
            case AppearanceUse.Decide:
                AssociationCost.DecideByAppearance(cost, rowAppearance, colAppearance, appearance, costLimit,
                    _rowWholeWidth.AsSpan(0, rows), _rowWholeHeight.AsSpan(0, rows), colBoxes);
                break;
            case AppearanceUse.Reject:
                AssociationCost.RejectByAppearance(cost, rowAppearance, colAppearance, appearance, costLimit);
                break;
        }
        if (maxHeightGrowth > 0) AssociationCost.GateHeightGrowth(cost, rowBoxes, colBoxes, maxHeightGrowth);
        int matched = _solver.Solve(cost, rows, cols, costLimit, _colForRow.AsSpan(0, rows), _rowForCol.AsSpan(0, cols));

        // Masks and detections are referenced only for the length of a step.
        _rowMasks.AsSpan(0, rows).Clear();
        _colMasks.AsSpan(0, cols).Clear();
        rowAppearance.Clear();
        colAppearance.Clear();
        return matched;
    }

    private static void Grow<T>(ref T[] buffer, int size)
    {
        if (buffer.Length < size) buffer = new T[Math.Max(size, buffer.Length * 2)];
    }
}

/// <summary>Whether and how <see cref="Matcher.Solve"/> uses appearance, with its limits (Bhattacharyya distances, see <see cref="ColorHistogram.Distance(ReadOnlySpan{float}, ReadOnlySpan{float})"/>).</summary>
/// <param name="MatchDistance">Up to this a detection looks like the track.</param>
/// <param name="RejectDistance">Beyond this a detection is never the track.</param>
/// <param name="MinIou">With <see cref="AppearanceUse.Fuse"/>, the least box IoU at which a close appearance lowers the cost.</param>
internal readonly record struct AppearanceCost(AppearanceUse Use, double MatchDistance, double RejectDistance, double MinIou)
{
    /// <summary>With <see cref="AppearanceUse.Decide"/>, the rejection distance for a partial view (see
    /// <see cref="TrackerOptions.AppearancePartialRejectDistance"/>); 0 = <see cref="RejectDistance"/>.</summary>
    public double PartialRejectDistance { get; init; }
}

/// <summary>How appearance enters an association's cost.</summary>
internal enum AppearanceUse
{
    /// <summary>Not at all: boxes decide.</summary>
    None,
    /// <summary>BoT-SORT's fusion, min(box cost, appearance distance), plus rejection (<see cref="AssociationCost.FuseAppearance"/>).</summary>
    Fuse,
    /// <summary>Among the pairs the boxes allow, appearance ranks and rejects (<see cref="AssociationCost.DecideByAppearance"/>).</summary>
    Decide,
    /// <summary>Boxes decide, but a pair that looks too different is forbidden (<see cref="AssociationCost.RejectByAppearance"/>).</summary>
    Reject,
}

/// <summary>How <see cref="Matcher.Solve"/> compares a row's box with a detection's.</summary>
internal enum BoxCost
{
    /// <summary>1 − IoU.</summary>
    Iou,
    /// <summary>1 − the share of the detection inside the row's box (a lost track's widened search area).</summary>
    Coverage,
    /// <summary>1 − IoU with the detection completed to the row's size where it is much smaller (partly hidden).</summary>
    CompletedIou,
}
