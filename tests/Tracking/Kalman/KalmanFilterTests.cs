using System.Text.Json;
using MaskStream.Core.Geometry;
using MaskStream.Tracking.Kalman;

namespace MaskStream.Tracking.Tests.Kalman;

/// <summary>Parity with ByteTrack's kalman_filter.py through the numpy port in tests/Tracking/fixtures-gen.</summary>
public class KalmanFilterTests
{
    private const double Tolerance = 1e-5;

    private static readonly JsonElement Fixture = JsonDocument.Parse(File.ReadAllText(
        Path.Combine(AppContext.BaseDirectory, "fixtures", "tracking", "kalman_bytetrack.json"))).RootElement;

    public static TheoryData<int> Sequences()
    {
        var data = new TheoryData<int>();
        for (int i = 0; i < Fixture.GetProperty("sequences").GetArrayLength(); i++) data.Add(i);
        return data;
    }

    [Theory]
    [MemberData(nameof(Sequences))]
    public void InitiatePredictProjectUpdate_MatchByteTrackReference(int index)
    {
        var seq = Fixture.GetProperty("sequences")[index];
        var tlwh = Floats(seq.GetProperty("initial_tlwh"));
        var state = KalmanFilter.Initiate(Xyah.FromBox(FromTlwhExact(tlwh)));
        AssertState(seq.GetProperty("initial"), state, "initial");

        int step = 0;
        foreach (var s in seq.GetProperty("steps").EnumerateArray())
        {
            step++;
            if (!s.GetProperty("tracked_before_predict").GetBoolean()) state.Mean[7] = 0;
            state = KalmanFilter.Predict(state);
            AssertState(s.GetProperty("predicted"), state, $"step {step} predicted");

            KalmanFilter.Project(state, out Xyah pm, out Matrix4 pc);
            var refProjected = s.GetProperty("projected");
            AssertClose(Floats(refProjected.GetProperty("mean")), [pm.X, pm.Y, pm.Aspect, pm.Height], $"step {step} projected mean");
            AssertClose(Flatten(refProjected.GetProperty("covariance")), ((ReadOnlySpan<double>)pc).ToArray(), $"step {step} projected covariance");

            if (s.GetProperty("measurement_tlwh").ValueKind != JsonValueKind.Null)
            {
                var z = Floats(s.GetProperty("measurement_xyah"));
                var measured = Xyah.FromBox(FromTlwhExact(Floats(s.GetProperty("measurement_tlwh"))));
                AssertClose(z, [measured.X, measured.Y, measured.Aspect, measured.Height], $"step {step} tlwh_to_xyah");
                state = KalmanFilter.Update(state, new Xyah(z[0], z[1], z[2], z[3]));
                AssertState(s.GetProperty("updated"), state, $"step {step} updated");
            }

            var box = state.Box;
            var refTlwh = Floats(s.GetProperty("tlwh"));
            // BoxF holds floats: compare the box at float precision relative to frame-sized coordinates.
            AssertClose(refTlwh, [box.X1, box.Y1, box.Width, box.Height], $"step {step} tlwh", 1e-3);
        }
    }

    [Fact]
    public void Predict_MovesMeanByVelocityAndGrowsPositionVariance()
    {
        var s = KalmanFilter.Initiate(new Xyah(100, 50, 0.5, 80));
        s.Mean[4] = 3;
        s.Mean[5] = -2;
        var p = KalmanFilter.Predict(s);
        Assert.Equal(103, p.Mean[0], 12);
        Assert.Equal(48, p.Mean[1], 12);
        // Initial var(x) = (2/20·80)² = 64, var(vx) = (10/160·80)² = 25; after one step 64 + 25 + (80/20)² = 105.
        Assert.Equal(105, p.Covariance[0], 9);
        // cov(x, vx) = var(vx) = 25 (no process noise off the diagonal).
        Assert.Equal(25, p.Covariance[4], 9);
        Assert.Equal(25 + (80.0 / 160) * (80.0 / 160), p.Covariance[36], 9);
    }

    [Fact]
    public void Xywh_Initiate_ScalesXAndWidthNoiseWithTheWidth()
    {
        var s = KalmanFilter.Initiate(new BoxF(80, 10, 120, 90), MotionModel.Xywh); // 40 x 80, centre (100, 50)
        Assert.Equal(MotionModel.Xywh, s.Model);
        Assert.Equal([100.0, 50, 40, 80, 0, 0, 0, 0], ((ReadOnlySpan<double>)s.Mean).ToArray());
        // var(x) = (2/20·40)² = 16, var(y) = (2/20·80)² = 64, var(w) = 16, var(h) = 64; velocities (10/160·w or h)².
        Assert.Equal(16, s.Covariance[0], 12);
        Assert.Equal(64, s.Covariance[9], 12);
        Assert.Equal(16, s.Covariance[18], 12);
        Assert.Equal(64, s.Covariance[27], 12);
        Assert.Equal(6.25, s.Covariance[36], 12);
        Assert.Equal(25, s.Covariance[45], 12);
        Assert.Equal(6.25, s.Covariance[54], 12);
        Assert.Equal(25, s.Covariance[63], 12);
        Assert.Equal(new BoxF(80, 10, 120, 90), s.Box);
    }

    /// <summary>
    /// A box widening by 4 px a frame at a constant height (someone stepping in at the frame's edge): BoT-SORT's xywh
    /// state follows its width within a few pixels, ByteTrack's aspect, with its fixed 1e-2 / 1e-5 noise, lags by about
    /// half of it.
    /// </summary>
    [Fact]
    public void WideningBox_XywhFollowsTheWidth_XyahLags()
    {
        static float WidthAfter(MotionModel model)
        {
            var s = KalmanFilter.Initiate(new BoxF(0, 100, 10, 260), model);
            for (int f = 1; f <= 15; f++)
                s = KalmanFilter.Update(KalmanFilter.Predict(s), new BoxF(0, 100, 10 + 4 * f, 260));
            return s.Box.Width;
        }

        float truth = 10 + 4 * 15;
        Assert.InRange(WidthAfter(MotionModel.Xywh), truth - 4, truth + 4);
        // Measured: 36.3 of 70.
        Assert.True(WidthAfter(MotionModel.Xyah) < 0.6 * truth, $"xyah width {WidthAfter(MotionModel.Xyah)} against {truth}");
    }

    [Fact]
    public void Cholesky4_FactorsKnownMatrix()
    {
        // A = L·Lᵀ with L = [[2,0,0,0],[1,3,0,0],[0.5,-1,1,0],[2,0.25,0.5,1.5]].
        double[] lRef = [2, 0, 0, 0, 1, 3, 0, 0, 0.5, -1, 1, 0, 2, 0.25, 0.5, 1.5];
        var a = default(Matrix4);
        for (int i = 0; i < 4; i++)
            for (int j = 0; j < 4; j++)
            {
                double v = 0;
                for (int k = 0; k < 4; k++) v += lRef[i * 4 + k] * lRef[j * 4 + k];
                a[i * 4 + j] = v;
            }
        KalmanFilter.Cholesky4(ref a);
        AssertClose(lRef, ((ReadOnlySpan<double>)a).ToArray(), "L", 1e-12);
    }

    [Fact]
    public void Xyah_RoundTripsBox()
    {
        var box = new BoxF(10, 20, 40, 80);
        var m = Xyah.FromBox(box);
        Assert.Equal(new Xyah(25, 50, 0.5, 60), m);
        Assert.Equal(box, m.ToBox());
    }

    private static BoxF FromTlwhExact(double[] tlwh) =>
        BoxF.FromXywh((float)tlwh[0], (float)tlwh[1], (float)tlwh[2], (float)tlwh[3]);

    private static void AssertState(JsonElement reference, in KalmanState state, string what)
    {
        AssertClose(Floats(reference.GetProperty("mean")), ((ReadOnlySpan<double>)state.Mean).ToArray(), what + " mean");
        AssertClose(Flatten(reference.GetProperty("covariance")), ((ReadOnlySpan<double>)state.Covariance).ToArray(), what + " covariance");
    }

    private static void AssertClose(double[] expected, double[] actual, string what, double tolerance = Tolerance)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            // Relative for the large entries (covariances reach thousands), absolute near zero.
            double tol = tolerance * Math.Max(1, Math.Abs(expected[i]));
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tol,
                $"{what}[{i}]: expected {expected[i]:R}, got {actual[i]:R}");
        }
    }

    private static double[] Floats(JsonElement e)
    {
        var r = new double[e.GetArrayLength()];
        int i = 0;
        foreach (var v in e.EnumerateArray()) r[i++] = v.GetDouble();
        return r;
    }

    private static double[] Flatten(JsonElement rows)
    {
        var r = new List<double>();
        foreach (var row in rows.EnumerateArray()) r.AddRange(Floats(row));
        return r.ToArray();
    }
}
