namespace MaskStream.Evaluation;

/// <summary>
/// numpy's float64 <c>add.reduce</c> (pairwise summation with an 8-way unrolled base case of up to
/// 128 elements), so that means over a few hundred entries agree with numpy to the last bit rather
/// than to the last few ulps of a left-to-right sum.
/// </summary>
internal static class NumpySum
{
    private const int BlockSize = 128;

    public static double Sum(ReadOnlySpan<double> a) => 0.0 + Pairwise(a);

    /// <summary>numpy's <c>mean</c>: pairwise sum divided by the count.</summary>
    public static double Mean(ReadOnlySpan<double> a) => Sum(a) / a.Length;

    private static double Pairwise(ReadOnlySpan<double> a)
    {
        int n = a.Length;
        if (n < 8)
        {
            double res = 0.0;
            for (int i = 0; i < n; i++)
                res += a[i];
            return res;
        }
        if (n <= BlockSize)
        {
            double r0 = a[0], r1 = a[1], r2 = a[2], r3 = a[3], r4 = a[4], r5 = a[5], r6 = a[6], r7 = a[7];
            int i;
            for (i = 8; i < n - (n % 8); i += 8)
            {
                r0 += a[i]; r1 += a[i + 1]; r2 += a[i + 2]; r3 += a[i + 3];
                r4 += a[i + 4]; r5 += a[i + 5]; r6 += a[i + 6]; r7 += a[i + 7];
            }
            double res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7));
            for (; i < n; i++)
                res += a[i];
            return res;
        }
        int n2 = n / 2;
        n2 -= n2 % 8;
        return Pairwise(a[..n2]) + Pairwise(a[n2..]);
    }
}
