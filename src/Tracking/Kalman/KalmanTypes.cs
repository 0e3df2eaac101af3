using System.Runtime.CompilerServices;
using MaskStream.Core.Geometry;

namespace MaskStream.Tracking.Kalman;

/// <summary>
/// A box as the Kalman filter measures it: centre (x, y), aspect ratio a = width / height, and height,
/// all in frame pixels (ByteTrack's <c>tlwh_to_xyah</c>).
/// </summary>
internal readonly record struct Xyah(double X, double Y, double Aspect, double Height)
{
    public static Xyah FromBox(in BoxF box)
    {
        double w = (double)box.X2 - box.X1, h = (double)box.Y2 - box.Y1;
        return new Xyah(box.X1 + 0.5 * w, box.Y1 + 0.5 * h, w / h, h);
    }

    public BoxF ToBox()
    {
        double w = Aspect * Height;
        return new BoxF((float)(X - 0.5 * w), (float)(Y - 0.5 * Height), (float)(X + 0.5 * w), (float)(Y + 0.5 * Height));
    }
}

/// <summary>State mean: x, y, a, h, then their velocities vx, vy, va, vh (per frame).</summary>
[InlineArray(8)]
internal struct Vector8
{
    private double _element0;
}

/// <summary>8x8 state covariance, row-major (<c>[row * 8 + col]</c>).</summary>
[InlineArray(64)]
internal struct Matrix8
{
    private double _element0;
}

/// <summary>4x4 covariance in measurement space (x, y, a, h), row-major.</summary>
[InlineArray(16)]
internal struct Matrix4
{
    private double _element0;
}

/// <summary>The filter's belief about one track: mean and covariance of the 8-D state. Plain data, 576 bytes, no heap.</summary>
internal struct KalmanState
{
    public Vector8 Mean;
    public Matrix8 Covariance;

    /// <summary>What the state's first four entries are (x, y, a, h or x, y, w, h), and the next four their velocities.</summary>
    public MotionModel Model;

    /// <summary>The box of the mean (position part only).</summary>
    public readonly BoxF Box => Model == MotionModel.Xywh
        ? new BoxF((float)(Mean[0] - 0.5 * Mean[2]), (float)(Mean[1] - 0.5 * Mean[3]), (float)(Mean[0] + 0.5 * Mean[2]), (float)(Mean[1] + 0.5 * Mean[3]))
        : new Xyah(Mean[0], Mean[1], Mean[2], Mean[3]).ToBox();
}
