using MaskStream.Core.Geometry;

namespace MaskStream.Tracking.Kalman;

/// <summary>
/// ByteTrack's Kalman filter (<c>yolox/tracker/kalman_filter.py</c>, itself from DeepSORT) as pure
/// functions: the 8-D state x, y, a, h, vx, vy, va, vh (centre, aspect ratio, height and their
/// velocities per frame), a constant-velocity motion model with a time step of one frame, and the box
/// (x, y, a, h) observed directly; or BoT-SORT's variant of it with width in place of the aspect ratio
/// (<see cref="MotionModel.Xywh"/>; a state carries which). The filter holds no per-track state; callers keep a
/// <see cref="KalmanState"/> per track.
/// </summary>
/// <remarks>
/// Process and measurement noise are proportional to the box height, with ByteTrack's weights
/// (position 1/20, velocity 1/160 of the height); the aspect ratio gets small fixed deviations
/// (1e-2 / 1e-5 in the motion model, 1e-1 when measured). ByteTrack's authors call this scaling
/// "a bit hacky"; it is kept because parity with their numbers is tested. In the xywh model the noise of x
/// and w is proportional to the width instead, with the same weights (BoT-SORT's).
/// </remarks>
internal static class KalmanFilter
{
    private const double StdWeightPosition = 1.0 / 20;
    private const double StdWeightVelocity = 1.0 / 160;

    /// <summary>A new track's state from its first measurement; velocities start at 0 with a wide spread.</summary>
    public static KalmanState Initiate(in Xyah measurement)
    {
        var s = default(KalmanState);
        s.Model = MotionModel.Xyah;
        s.Mean[0] = measurement.X;
        s.Mean[1] = measurement.Y;
        s.Mean[2] = measurement.Aspect;
        s.Mean[3] = measurement.Height;
        double h = measurement.Height;
        SetDiagonal(ref s.Covariance,
            2 * StdWeightPosition * h, 2 * StdWeightPosition * h, 1e-2, 2 * StdWeightPosition * h,
            10 * StdWeightVelocity * h, 10 * StdWeightVelocity * h, 1e-5, 10 * StdWeightVelocity * h);
        return s;
    }

    /// <summary>A new track's state from its first box (xyxy frame pixels) in <paramref name="model"/>'s parameterisation.</summary>
    public static KalmanState Initiate(in BoxF box, MotionModel model)
    {
        if (model == MotionModel.Xyah) return Initiate(Xyah.FromBox(box));
        double w = (double)box.X2 - box.X1, h = (double)box.Y2 - box.Y1;
        var s = default(KalmanState);
        s.Model = MotionModel.Xywh;
        s.Mean[0] = box.X1 + 0.5 * w;
        s.Mean[1] = box.Y1 + 0.5 * h;
        s.Mean[2] = w;
        s.Mean[3] = h;
        SetDiagonal(ref s.Covariance,
            2 * StdWeightPosition * w, 2 * StdWeightPosition * h, 2 * StdWeightPosition * w, 2 * StdWeightPosition * h,
            10 * StdWeightVelocity * w, 10 * StdWeightVelocity * h, 10 * StdWeightVelocity * w, 10 * StdWeightVelocity * h);
        return s;
    }

    /// <summary>Correction with a measured box (xyxy frame pixels), in the state's own parameterisation.</summary>
    public static KalmanState Update(in KalmanState state, in BoxF box)
    {
        if (state.Model == MotionModel.Xyah) return Update(state, Xyah.FromBox(box));
        double w = (double)box.X2 - box.X1, h = (double)box.Y2 - box.Y1;
        return Update(state, box.X1 + 0.5 * w, box.Y1 + 0.5 * h, w, h);
    }

    /// <summary>One frame ahead: mean' = F·mean, P' = F·P·Fᵀ + Q, with F = [[I, I], [0, I]].</summary>
    public static KalmanState Predict(in KalmanState state)
    {
        double h = state.Mean[3];
        var next = default(KalmanState);
        next.Model = state.Model;
        for (int i = 0; i < 4; i++)
        {
            next.Mean[i] = state.Mean[i] + state.Mean[i + 4];
            next.Mean[i + 4] = state.Mean[i + 4];
        }

        // With P = [[A, B], [C, D]] in 4x4 blocks, F·P·Fᵀ = [[A + B + C + D, B + D], [C + D, D]].
        ref readonly Matrix8 p = ref state.Covariance;
        for (int r = 0; r < 4; r++)
        {
            for (int c = 0; c < 4; c++)
            {
                double a = p[r * 8 + c], b = p[r * 8 + c + 4], cc = p[(r + 4) * 8 + c], d = p[(r + 4) * 8 + c + 4];
                next.Covariance[r * 8 + c] = a + b + cc + d;
                next.Covariance[r * 8 + c + 4] = b + d;
                next.Covariance[(r + 4) * 8 + c] = cc + d;
                next.Covariance[(r + 4) * 8 + c + 4] = d;
            }
        }

        if (state.Model == MotionModel.Xywh)
        {
            double w = state.Mean[2];
            AddSquares(ref next.Covariance,
                StdWeightPosition * w, StdWeightPosition * h, StdWeightPosition * w, StdWeightPosition * h,
                StdWeightVelocity * w, StdWeightVelocity * h, StdWeightVelocity * w, StdWeightVelocity * h);
        }
        else
        {
            AddSquares(ref next.Covariance,
                StdWeightPosition * h, StdWeightPosition * h, 1e-2, StdWeightPosition * h,
                StdWeightVelocity * h, StdWeightVelocity * h, 1e-5, StdWeightVelocity * h);
        }
        return next;
    }

    /// <summary>The state's distribution in measurement space: H·mean and H·P·Hᵀ + R (for an xywh state, <paramref name="mean"/>'s Aspect is the width).</summary>
    public static void Project(in KalmanState state, out Xyah mean, out Matrix4 covariance)
    {
        double h = state.Mean[3];
        mean = new Xyah(state.Mean[0], state.Mean[1], state.Mean[2], state.Mean[3]);
        covariance = default;
        for (int r = 0; r < 4; r++)
            for (int c = 0; c < 4; c++)
                covariance[r * 4 + c] = state.Covariance[r * 8 + c];
        double sp = StdWeightPosition * h;
        double sw = state.Model == MotionModel.Xywh ? StdWeightPosition * state.Mean[2] : sp;
        covariance[0] += sw * sw;
        covariance[5] += sp * sp;
        covariance[10] += state.Model == MotionModel.Xywh ? sw * sw : 1e-1 * 1e-1;
        covariance[15] += sp * sp;
    }

    /// <summary>
    /// Correction with a measured box: gain K = P·Hᵀ·S⁻¹ (S the projected covariance, solved by
    /// Cholesky, never inverted), mean' = mean + K·(z − H·mean), P' = P − K·S·Kᵀ.
    /// </summary>
    public static KalmanState Update(in KalmanState state, in Xyah measurement) =>
        Update(state, measurement.X, measurement.Y, measurement.Aspect, measurement.Height);

    /// <param name="z0">Measured centre x.</param>
    /// <param name="z1">Measured centre y.</param>
    /// <param name="z2">Measured aspect ratio (xyah) or width (xywh), as the state's model says.</param>
    /// <param name="z3">Measured height.</param>
    private static KalmanState Update(in KalmanState state, double z0, double z1, double z2, double z3)
    {
        Project(state, out Xyah projected, out Matrix4 s);
        Matrix4 l = s;
        Cholesky4(ref l);

        // Kᵀ (4x8) solves S·Kᵀ = H·P = the first four rows of P (P is symmetric).
        Span<double> kt = stackalloc double[32];
        for (int i = 0; i < 32; i++) kt[i] = state.Covariance[i];
        for (int col = 0; col < 8; col++)
        {
            // forward: L·y = b
            for (int r = 0; r < 4; r++)
            {
                double v = kt[r * 8 + col];
                for (int k = 0; k < r; k++) v -= l[r * 4 + k] * kt[k * 8 + col];
                kt[r * 8 + col] = v / l[r * 4 + r];
            }
            // backward: Lᵀ·x = y
            for (int r = 3; r >= 0; r--)
            {
                double v = kt[r * 8 + col];
                for (int k = r + 1; k < 4; k++) v -= l[k * 4 + r] * kt[k * 8 + col];
                kt[r * 8 + col] = v / l[r * 4 + r];
            }
        }

        Span<double> innovation = stackalloc double[4];
        // projected.Aspect is the projected width in the xywh model.
        innovation[0] = z0 - projected.X;
        innovation[1] = z1 - projected.Y;
        innovation[2] = z2 - projected.Aspect;
        innovation[3] = z3 - projected.Height;

        var next = default(KalmanState);
        next.Model = state.Model;
        for (int i = 0; i < 8; i++)
        {
            double v = state.Mean[i];
            for (int k = 0; k < 4; k++) v += kt[k * 8 + i] * innovation[k];
            next.Mean[i] = v;
        }

        // K·S (8x4), then (K·S)·Kᵀ.
        Span<double> ks = stackalloc double[32];
        for (int i = 0; i < 8; i++)
        {
            for (int c = 0; c < 4; c++)
            {
                double v = 0;
                for (int k = 0; k < 4; k++) v += kt[k * 8 + i] * s[k * 4 + c];
                ks[i * 4 + c] = v;
            }
        }
        for (int r = 0; r < 8; r++)
        {
            for (int c = 0; c < 8; c++)
            {
                double v = 0;
                for (int k = 0; k < 4; k++) v += ks[r * 4 + k] * kt[k * 8 + c];
                next.Covariance[r * 8 + c] = state.Covariance[r * 8 + c] - v;
            }
        }
        return next;
    }

    /// <summary>In-place lower Cholesky factor of a symmetric positive-definite 4x4 matrix (upper part zeroed).</summary>
    internal static void Cholesky4(ref Matrix4 m)
    {
        for (int j = 0; j < 4; j++)
        {
            double d = m[j * 4 + j];
            for (int k = 0; k < j; k++) d -= m[j * 4 + k] * m[j * 4 + k];
            if (!(d > 0))
                throw new InvalidOperationException($"Projected covariance is not positive definite (pivot {j} = {d}).");
            d = Math.Sqrt(d);
            m[j * 4 + j] = d;
            for (int i = j + 1; i < 4; i++)
            {
                double v = m[i * 4 + j];
                for (int k = 0; k < j; k++) v -= m[i * 4 + k] * m[j * 4 + k];
                m[i * 4 + j] = v / d;
                m[j * 4 + i] = 0;
            }
        }
    }

    private static void SetDiagonal(ref Matrix8 m, double s0, double s1, double s2, double s3, double s4, double s5, double s6, double s7)
    {
        ((Span<double>)m).Clear();
        AddSquares(ref m, s0, s1, s2, s3, s4, s5, s6, s7);
    }

    private static void AddSquares(ref Matrix8 m, double s0, double s1, double s2, double s3, double s4, double s5, double s6, double s7)
    {
        m[0] += s0 * s0;
        m[9] += s1 * s1;
        m[18] += s2 * s2;
        m[27] += s3 * s3;
        m[36] += s4 * s4;
        m[45] += s5 * s5;
        m[54] += s6 * s6;
        m[63] += s7 * s7;
    }
}
