namespace MaskStream.Core.Assignment;

/// <summary>
/// Optimal rectangular linear assignment (minimum total cost): a port of SciPy's
/// <c>linear_sum_assignment</c> (scipy/optimize/rectangular_lsap/rectangular_lsap.cpp, SciPy 1.10:
/// Crouse's shortest augmenting path, Jonker-Volgenant style). The port keeps SciPy's order of
/// operations and its tie rules (columns scanned in reverse, a free column wins a tie, tall
/// matrices solved transposed), so among equal-cost optima it returns the one SciPy returns.
/// py-motmetrics and TrackEval both call SciPy, and whether an event is a match or a switch can
/// depend on which optimum is chosen.
/// </summary>
/// <remarks>
/// <para>Costs are row-major <c>[rows, cols]</c> doubles. Forbidden pairs are written as
/// <see cref="double.PositiveInfinity"/> or <see cref="double.NaN"/>. SciPy raises when no complete
/// assignment avoids them; here they are replaced by the large constant of py-motmetrics'
/// <c>lsa_solve_scipy</c>/<c>add_expensive_edges</c> (<c>2·min(rows,cols)·(max|finite|+1)+1</c>,
/// so one forbidden pair costs more than any difference among finite assignments), the problem
/// is solved, and forbidden pairs are dropped from the result. The result is therefore a maximum
/// matching over allowed pairs, of least cost among maximum matchings, and identical to
/// py-motmetrics with its SciPy solver (which makes the same replacement even when the matrix is
/// feasible). <see cref="double.NegativeInfinity"/> is rejected, as SciPy rejects it.</para>
/// <para>An instance keeps its scratch buffers and reuses them, so repeated calls of similar size
/// allocate nothing. An instance is not thread-safe; use one per thread or per tracker.</para>
/// </remarks>
public sealed class LinearAssignment
{
    private double[] _cost = [];
    private double[] _u = [];
    private double[] _v = [];
    private double[] _shortestPathCosts = [];
    private int[] _path = [];
    private int[] _col4row = [];
    private int[] _row4col = [];
    private int[] _remaining = [];
    private bool[] _sr = [];
    private bool[] _sc = [];

    /// <summary>
    /// Minimum-cost assignment of rows to columns; every row (or every column, when there are fewer
    /// columns) is assigned unless only forbidden pairs are left for it.
    /// </summary>
    /// <param name="costs">row-major [rows, cols]; +inf or NaN forbids a pair.</param>
    /// <param name="colForRow">receives, for each row, its column or -1 (length ≥ rows).</param>
    /// <param name="rowForCol">receives, for each column, its row or -1 (length ≥ cols).</param>
    /// <returns>the number of assigned pairs.</returns>
    public int Solve(ReadOnlySpan<double> costs, int rows, int cols, Span<int> colForRow, Span<int> rowForCol)
    {
        CheckShapes(costs, rows, cols, colForRow, rowForCol);
        colForRow[..rows].Fill(-1);
        rowForCol[..cols].Fill(-1);
        if (rows == 0 || cols == 0)
            return 0;

        bool allFinite = true, anyFinite = false;
        double maxAbs = 0;
        for (int k = 0; k < rows * cols; k++)
        {
            double c = costs[k];
            if (double.IsNegativeInfinity(c))
                throw new ArgumentException($"cost[{k / cols},{k % cols}] is -infinity; costs must be finite, +infinity or NaN (forbidden).", nameof(costs));
            if (double.IsFinite(c))
            {
                anyFinite = true;
                maxAbs = Math.Max(maxAbs, Math.Abs(c));
            }
            else
            {
                allFinite = false;
            }
        }
        if (!anyFinite)
            return 0;

        // Same constant as py-motmetrics' add_expensive_edges: choosing one forbidden pair and the
        // best pair r-1 times is worse than choosing the worst pair r times.
        double forbidden = allFinite ? 0 : 2.0 * Math.Min(rows, cols) * (maxAbs + 1) + 1;

        // SciPy solves tall matrices transposed; tie-breaking depends on it.
        bool transpose = cols < rows;
        int nr = transpose ? cols : rows, nc = transpose ? rows : cols;
        EnsureCapacity(nr, nc);
        Span<double> cost = _cost.AsSpan(0, nr * nc);
        for (int i = 0; i < rows; i++)
        {
            for (int j = 0; j < cols; j++)
            {
                double c = costs[i * cols + j];
                if (!double.IsFinite(c))
                    c = forbidden;
                cost[transpose ? j * nc + i : i * nc + j] = c;
            }
        }

        ShortestAugmentingPath(nr, nc);

        int matched = 0;
        for (int r = 0; r < nr; r++)
        {
            int c = _col4row[r];
            int row = transpose ? c : r, col = transpose ? r : c;
            if (double.IsFinite(costs[row * cols + col]))
            {
                colForRow[row] = col;
                rowForCol[col] = row;
                matched++;
            }
        }
        return matched;
    }

    /// <summary>
    /// Assignment with a cost limit, with the semantics of <c>lap.lapjv(cost, extend_cost=True,
    /// cost_limit=limit)</c> as ByteTrack's <c>linear_assignment(cost, thresh)</c> calls it: leaving a
    /// row and a column unmatched costs <paramref name="costLimit"/> (lap pads the matrix with
    /// limit/2 per unmatched row and per unmatched column), so the result minimises
    /// Σ(cost − limit) over matched pairs. A pair above the limit is never matched, and a pair
    /// below it may still stay unmatched when that lets better pairs match. This is not the same
    /// as solving without a limit and then dropping pairs above it: such a pair can block two
    /// cheaper ones. A pair at exactly the limit is as good as leaving both unmatched; which one
    /// is returned then follows SciPy's tie rules (lapjv's own tie rules are not reproduced).
    /// </summary>
    /// <param name="costs">row-major [rows, cols]; +inf, NaN and values above the limit are never matched.</param>
    /// <param name="costLimit">a finite limit.</param>
    /// <param name="colForRow">receives, for each row, its column or -1 (unmatched).</param>
    /// <param name="rowForCol">receives, for each column, its row or -1 (unmatched).</param>
    /// <returns>the number of matched pairs.</returns>
    public int Solve(ReadOnlySpan<double> costs, int rows, int cols, double costLimit, Span<int> colForRow, Span<int> rowForCol)
    {
        CheckShapes(costs, rows, cols, colForRow, rowForCol);
        if (!double.IsFinite(costLimit))
            throw new ArgumentOutOfRangeException(nameof(costLimit), costLimit, "costLimit must be finite; use the overload without a limit instead.");
        colForRow[..rows].Fill(-1);
        rowForCol[..cols].Fill(-1);
        if (rows == 0 || cols == 0)
            return 0;

        // rows × (cols + rows): column cols+i stands for "row i unmatched" at cost limit. Each row
        // then always has a free dummy column, so any pair above the limit can be swapped for one
        // at a strict gain; replacing such costs by a value above the limit is therefore safe.
        int nc = cols + rows;
        EnsureCapacity(rows, nc);
        Span<double> cost = _cost.AsSpan(0, rows * nc);
        double above = costLimit + Math.Max(1.0, Math.Abs(costLimit));
        for (int i = 0; i < rows; i++)
        {
            for (int j = 0; j < cols; j++)
            {
                double c = costs[i * cols + j];
                cost[i * nc + j] = c <= costLimit ? c : above; // NaN compares false: forbidden.
            }
            cost.Slice(i * nc + cols, rows).Fill(costLimit);
        }

        ShortestAugmentingPath(rows, nc);

        int matched = 0;
        for (int i = 0; i < rows; i++)
        {
            int j = _col4row[i];
            if (j < cols && costs[i * cols + j] <= costLimit)
            {
                colForRow[i] = j;
                rowForCol[j] = i;
                matched++;
            }
        }
        return matched;
    }

    private static void CheckShapes(ReadOnlySpan<double> costs, int rows, int cols, Span<int> colForRow, Span<int> rowForCol)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        ArgumentOutOfRangeException.ThrowIfNegative(cols);
        if ((long)rows * cols != costs.Length)
            throw new ArgumentException($"costs has {costs.Length} entries, expected rows*cols = {rows}*{cols}.", nameof(costs));
        if (colForRow.Length < rows)
            throw new ArgumentException($"colForRow has length {colForRow.Length}, needs at least rows = {rows}.", nameof(colForRow));
        if (rowForCol.Length < cols)
            throw new ArgumentException($"rowForCol has length {rowForCol.Length}, needs at least cols = {cols}.", nameof(rowForCol));
    }

    private void EnsureCapacity(int nr, int nc)
    {
        if (_cost.Length < nr * nc)
            _cost = new double[Math.Max(nr * nc, _cost.Length * 2)];
        if (_u.Length < nr)
        {
            int n = Math.Max(nr, _u.Length * 2);
            _u = new double[n];
            _col4row = new int[n];
            _sr = new bool[n];
        }
        if (_v.Length < nc)
        {
            int n = Math.Max(nc, _v.Length * 2);
            _v = new double[n];
            _shortestPathCosts = new double[n];
            _path = new int[n];
            _row4col = new int[n];
            _remaining = new int[n];
            _sc = new bool[n];
        }
    }

    /// <summary>SciPy's <c>solve</c> on the finite <c>[nr, nc]</c> matrix in <c>_cost</c>, nr ≤ nc; fills <c>_col4row</c>.</summary>
    private void ShortestAugmentingPath(int nr, int nc)
    {
        ReadOnlySpan<double> cost = _cost.AsSpan(0, nr * nc);
        Span<double> u = _u.AsSpan(0, nr), v = _v.AsSpan(0, nc), spc = _shortestPathCosts.AsSpan(0, nc);
        Span<int> path = _path.AsSpan(0, nc), col4row = _col4row.AsSpan(0, nr), row4col = _row4col.AsSpan(0, nc);
        Span<bool> sr = _sr.AsSpan(0, nr), sc = _sc.AsSpan(0, nc);
        Span<int> remaining = _remaining.AsSpan(0, nc);
        u.Clear();
        v.Clear();
        path.Fill(-1);
        col4row.Fill(-1);
        row4col.Fill(-1);

        for (int curRow = 0; curRow < nr; curRow++)
        {
            double minVal = AugmentingPath(nc, cost, u, v, path, row4col, spc, curRow, sr, sc, remaining, out int sink);
            if (sink < 0)
                throw new InvalidOperationException("No augmenting path on a finite cost matrix (unreachable).");

            // update dual variables
            u[curRow] += minVal;
            for (int i = 0; i < nr; i++)
            {
                if (sr[i] && i != curRow)
                    u[i] += minVal - spc[col4row[i]];
            }
            for (int j = 0; j < nc; j++)
            {
                if (sc[j])
                    v[j] -= minVal - spc[j];
            }

            // augment previous solution
            int jj = sink;
            while (true)
            {
                int i = path[jj];
                row4col[jj] = i;
                (col4row[i], jj) = (jj, col4row[i]);
                if (i == curRow)
                    break;
            }
        }
    }

    private static double AugmentingPath(int nc, ReadOnlySpan<double> cost, Span<double> u, Span<double> v, Span<int> path,
        Span<int> row4col, Span<double> shortestPathCosts, int i, Span<bool> sr, Span<bool> sc, Span<int> remaining, out int sink)
    {
        double minVal = 0;
        int numRemaining = nc;
        // Reverse order makes a constant matrix come out as the identity (SciPy #11602).
        for (int it = 0; it < nc; it++)
            remaining[it] = nc - it - 1;
        sr.Clear();
        sc.Clear();
        shortestPathCosts.Fill(double.PositiveInfinity);

        sink = -1;
        while (sink == -1)
        {
            int index = -1;
            double lowest = double.PositiveInfinity;
            sr[i] = true;
            int rowOffset = i * nc;
            double ui = u[i];

            for (int it = 0; it < numRemaining; it++)
            {
                int j = remaining[it];
                double r = minVal + cost[rowOffset + j] - ui - v[j];
                if (r < shortestPathCosts[j])
                {
                    path[j] = i;
                    shortestPathCosts[j] = r;
                }

                // Among equally short paths prefer one that ends in a free column (a new sink).
                if (shortestPathCosts[j] < lowest || (shortestPathCosts[j] == lowest && row4col[j] == -1))
                {
                    lowest = shortestPathCosts[j];
                    index = it;
                }
            }

            minVal = lowest;
            if (double.IsPositiveInfinity(minVal))
                return minVal; // infeasible: sink stays -1

            int col = remaining[index];
            if (row4col[col] == -1)
                sink = col;
            else
                i = row4col[col];

            sc[col] = true;
            remaining[index] = remaining[--numRemaining];
        }
        return minVal;
    }
}
