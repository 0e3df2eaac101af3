using MaskStream.Core.Assignment;

namespace MaskStream.Core.Tests.Assignment;

public class LinearAssignmentTests
{
    private const double Inf = double.PositiveInfinity;

    private static (int[] ColForRow, int[] RowForCol, int Matched) Run(double[] costs, int rows, int cols, LinearAssignment? solver = null)
    {
        var colForRow = new int[rows];
        var rowForCol = new int[cols];
        int matched = (solver ?? new LinearAssignment()).Solve(costs, rows, cols, colForRow, rowForCol);
        return (colForRow, rowForCol, matched);
    }

    private static (int[] ColForRow, int[] RowForCol, int Matched) RunLimited(double[] costs, int rows, int cols, double limit, LinearAssignment? solver = null)
    {
        var colForRow = new int[rows];
        var rowForCol = new int[cols];
        int matched = (solver ?? new LinearAssignment()).Solve(costs, rows, cols, limit, colForRow, rowForCol);
        return (colForRow, rowForCol, matched);
    }

    [Fact]
    public void Solve_ScipyDocExample_ReturnsKnownOptimum()
    {
        // scipy.optimize.linear_sum_assignment docstring: col_ind = [1, 0, 2], total 5.
        double[] c = [4, 1, 3, 2, 0, 5, 3, 2, 2];
        var (colForRow, rowForCol, matched) = Run(c, 3, 3);
        Assert.Equal([1, 0, 2], colForRow);
        Assert.Equal([1, 0, 2], rowForCol);
        Assert.Equal(3, matched);
    }

    [Fact]
    public void Solve_ConstantSquareMatrix_ReturnsIdentityAsScipy()
    {
        // SciPy's test_constant_cost_matrix (issue #11602): an 8x8 matrix of ones gives the identity.
        var c = new double[64];
        Array.Fill(c, 1.0);
        var (colForRow, _, _) = Run(c, 8, 8);
        Assert.Equal([0, 1, 2, 3, 4, 5, 6, 7], colForRow);
    }

    [Fact]
    public void Solve_ConstantWideAndTallMatrices_TakeLeadingDiagonalAsScipy()
    {
        // SciPy: ones((2,3)) -> rows [0,1], cols [0,1]; ones((3,2)) is solved transposed -> rows [0,1], cols [0,1].
        var wide = Run([1, 1, 1, 1, 1, 1], 2, 3);
        Assert.Equal([0, 1], wide.ColForRow);
        Assert.Equal([0, 1, -1], wide.RowForCol);
        var tall = Run([1, 1, 1, 1, 1, 1], 3, 2);
        Assert.Equal([0, 1, -1], tall.ColForRow);
        Assert.Equal([0, 1], tall.RowForCol);
    }

    [Fact]
    public void Solve_TiedRowsPreferFreeColumnScannedLast()
    {
        // [[1,1,2],[1,1,2]]: row 0 scans columns 2,1,0 and the last free column of least cost wins
        // (col 0); row 1 then takes col 1. SciPy returns col_ind [0, 1].
        var r = Run([1, 1, 2, 1, 1, 2], 2, 3);
        Assert.Equal([0, 1], r.ColForRow);
    }

    [Fact]
    public void Solve_ScipyTestCases_MatchExpectedCostsPerRow()
    {
        // From SciPy's linear_sum_assignment_test_cases (expected costs of the chosen pair per row).
        AssertRowCosts([400, 150, 400, 400, 450, 600, 300, 225, 300], 3, 3, [150, 400, 300]);
        AssertRowCosts([400, 150, 400, 1, 400, 450, 600, 2, 300, 225, 300, 3], 3, 4, [150, 2, 300]);
        AssertRowCosts([10, 10, 8, 9, 8, 1, 9, 7, 4], 3, 3, [10, 1, 7]);
        AssertRowCosts([10, Inf, Inf, Inf, Inf, 1, Inf, 7, Inf], 3, 3, [10, 1, 7]);
    }

    private static void AssertRowCosts(double[] c, int rows, int cols, double[] expected)
    {
        var r = Run(c, rows, cols);
        var got = new double[rows];
        for (int i = 0; i < rows; i++)
            got[i] = c[i * cols + r.ColForRow[i]];
        Assert.Equal(expected, got);
    }

    [Theory]
    [InlineData(0, 0)]
    [InlineData(0, 3)]
    [InlineData(2, 0)]
    public void Solve_EmptyMatrix_MatchesNothing(int rows, int cols)
    {
        var r = Run([], rows, cols);
        Assert.Equal(0, r.Matched);
        Assert.All(r.ColForRow, c => Assert.Equal(-1, c));
        Assert.All(r.RowForCol, c => Assert.Equal(-1, c));
        var l = RunLimited([], rows, cols, 0.5);
        Assert.Equal(0, l.Matched);
        Assert.All(l.RowForCol, c => Assert.Equal(-1, c));
    }

    [Fact]
    public void Solve_AllForbidden_MatchesNothing()
    {
        var r = Run([Inf, double.NaN, Inf, Inf], 2, 2);
        Assert.Equal(0, r.Matched);
        Assert.Equal([-1, -1], r.ColForRow);
    }

    [Fact]
    public void Solve_InfeasibleForScipy_ReturnsMaximumMatchingOfAllowedPairs()
    {
        // SciPy raises "cost matrix is infeasible" here (column 0 fully forbidden); we match rows 1, 2.
        double[] c = [Inf, 1, 0, Inf, 0, 1, Inf, 5, 5];
        var r = Run(c, 3, 3);
        Assert.Equal(2, r.Matched);
        Assert.Equal(-1, r.RowForCol[0]);
        // Only columns 1 and 2 are usable; the cheapest two pairs are row0->col2 and row1->col1 (0 + 0).
        Assert.Equal(0, c[0 * 3 + r.ColForRow[0]] + c[1 * 3 + r.ColForRow[1]]);
    }

    [Fact]
    public void Solve_NegativeInfinity_IsRejectedNamingTheEntry()
    {
        var ex = Assert.Throws<ArgumentException>(() => Run([0, 1, double.NegativeInfinity, 2], 2, 2));
        Assert.Contains("cost[1,0]", ex.Message);
    }

    [Fact]
    public void Solve_WrongLength_IsRejected()
    {
        var ex = Assert.Throws<ArgumentException>(() => Run([0, 1, 2], 2, 2));
        Assert.Contains("rows*cols", ex.Message);
    }

    [Fact]
    public void SolveWithLimit_DiffersFromPostFiltering()
    {
        // Unlimited optimum is the anti-diagonal (0.45 + 0.45); with limit 0.5 the diagonal pair
        // (0,0) alone gains 0.4 while the anti-diagonal gains only 0.05 + 0.05.
        double[] c = [0.1, 0.45, 0.45, 100];
        var full = Run(c, 2, 2);
        Assert.Equal([1, 0], full.ColForRow);
        var limited = RunLimited(c, 2, 2, 0.5);
        Assert.Equal([0, -1], limited.ColForRow);
        Assert.Equal([0, -1], limited.RowForCol);
        Assert.Equal(1, limited.Matched);
    }

    [Fact]
    public void SolveWithLimit_AllAboveLimit_LeavesEverythingUnmatched()
    {
        var r = RunLimited([0.9, 0.8, 0.7, 0.95, Inf, double.NaN], 2, 3, 0.5);
        Assert.Equal(0, r.Matched);
        Assert.Equal([-1, -1], r.ColForRow);
        Assert.Equal([-1, -1, -1], r.RowForCol);
    }

    [Fact]
    public void SolveWithLimit_InfiniteLimit_IsRejected()
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => RunLimited([0.1], 1, 1, Inf));
        Assert.Contains("costLimit", ex.Message);
    }

    [Fact]
    public void Solve_ReusedInstance_DoesNotAllocate()
    {
        var solver = new LinearAssignment();
        var rng = new Random(7);
        var c = new double[6 * 9];
        for (int k = 0; k < c.Length; k++)
            c[k] = rng.Next(5);
        c[3] = Inf;
        var colForRow = new int[9];
        var rowForCol = new int[9];
        // While tiered compilation promotes Solve (call counting, on-stack replacement of its loops), the calling thread
        // can be charged a few KB once (seen in CI: 7 KB over 200 calls). So: rounds of 200 calls, and at least one of
        // the five after the warm-up must allocate nothing; a Solve that allocates per call fails every round.
        for (int n = 0; n < 500; n++)
        {
            solver.Solve(c, 6, 9, colForRow, rowForCol);
            solver.Solve(c, 9, 6, 0.5, colForRow, rowForCol);
        }
        var rounds = new long[5];
        for (int round = 0; round < rounds.Length; round++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int n = 0; n < 100; n++)
            {
                solver.Solve(c, 6, 9, colForRow, rowForCol);
                solver.Solve(c, 9, 6, 2.5, colForRow, rowForCol);
            }
            rounds[round] = GC.GetAllocatedBytesForCurrentThread() - before;
            if (rounds[round] == 0) return;
        }
        Assert.Fail($"every round of 200 calls allocated: {string.Join(", ", rounds)} bytes");
    }

    [Fact]
    public void Solve_RandomMatrices_AgreeWithBruteForce()
    {
        var rng = new Random(12345);
        var solver = new LinearAssignment();
        for (int trial = 0; trial < 4000; trial++)
        {
            int rows = rng.Next(0, 6), cols = rng.Next(0, 6);
            int kind = trial % 4; // 0 small ints (ties), 1 continuous, 2 ints with forbidden, 3 continuous with forbidden
            var c = RandomCosts(rng, rows, cols, kind);
            var (colForRow, rowForCol, matched) = Run(c, rows, cols, solver);
            AssertConsistent(c, rows, cols, colForRow, rowForCol, matched, double.PositiveInfinity);
            var (bestCount, bestCost) = BruteForce(c, rows, cols, limit: null);
            Assert.Equal(bestCount, matched);
            Assert.Equal(bestCost, TotalCost(c, cols, colForRow), 9);
        }
    }

    [Fact]
    public void SolveWithLimit_RandomMatrices_AgreeWithBruteForce()
    {
        var rng = new Random(54321);
        var solver = new LinearAssignment();
        for (int trial = 0; trial < 4000; trial++)
        {
            int rows = rng.Next(0, 6), cols = rng.Next(0, 6);
            int kind = trial % 4;
            var c = RandomCosts(rng, rows, cols, kind);
            double limit = kind % 2 == 0 ? rng.Next(0, 5) + (trial % 8 < 4 ? 0 : 0.5) : rng.NextDouble() * 4;
            var (colForRow, rowForCol, matched) = RunLimited(c, rows, cols, limit, solver);
            AssertConsistent(c, rows, cols, colForRow, rowForCol, matched, limit);
            var (_, bestGain) = BruteForce(c, rows, cols, limit);
            double gain = 0;
            for (int i = 0; i < rows; i++)
                if (colForRow[i] >= 0)
                    gain += c[i * cols + colForRow[i]] - limit;
            Assert.Equal(bestGain, gain, 9);
        }
    }

    private static double[] RandomCosts(Random rng, int rows, int cols, int kind)
    {
        var c = new double[rows * cols];
        for (int k = 0; k < c.Length; k++)
        {
            c[k] = kind % 2 == 0 ? rng.Next(0, 4) : rng.NextDouble() * 4 - 1;
            if (kind >= 2 && rng.NextDouble() < 0.35)
                c[k] = rng.Next(2) == 0 ? Inf : double.NaN;
        }
        return c;
    }

    private static void AssertConsistent(double[] c, int rows, int cols, int[] colForRow, int[] rowForCol, int matched, double limit)
    {
        int count = 0;
        for (int i = 0; i < rows; i++)
        {
            int j = colForRow[i];
            if (j < 0)
                continue;
            count++;
            Assert.Equal(i, rowForCol[j]);
            Assert.True(double.IsFinite(c[i * cols + j]) && c[i * cols + j] <= limit);
        }
        for (int j = 0; j < cols; j++)
            if (rowForCol[j] >= 0)
                Assert.Equal(j, colForRow[rowForCol[j]]);
        Assert.Equal(count, matched);
    }

    private static double TotalCost(double[] c, int cols, int[] colForRow)
    {
        double total = 0;
        for (int i = 0; i < colForRow.Length; i++)
            if (colForRow[i] >= 0)
                total += c[i * cols + colForRow[i]];
        return total;
    }

    /// <summary>
    /// Without a limit: the most allowed pairs, then the least cost. With a limit: the least
    /// Σ(cost − limit) over partial matchings of pairs with cost ≤ limit.
    /// </summary>
    private static (int Count, double Cost) BruteForce(double[] c, int rows, int cols, double? limit)
    {
        var usedCol = new bool[cols];
        int bestCount = -1;
        double bestCost = double.PositiveInfinity;
        void Recurse(int row, int count, double cost)
        {
            if (row == rows)
            {
                if (limit is null ? count > bestCount || (count == bestCount && cost < bestCost) : cost < bestCost)
                {
                    bestCount = count;
                    bestCost = cost;
                }
                return;
            }
            Recurse(row + 1, count, cost); // row unmatched
            for (int j = 0; j < cols; j++)
            {
                double v = c[row * cols + j];
                if (usedCol[j] || !double.IsFinite(v) || (limit is not null && v > limit))
                    continue;
                usedCol[j] = true;
                Recurse(row + 1, count + 1, cost + (limit is null ? v : v - limit.Value));
                usedCol[j] = false;
            }
        }
        Recurse(0, 0, 0);
        return (bestCount, bestCost);
    }
}
