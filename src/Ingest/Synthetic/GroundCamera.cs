namespace MaskStream.Ingest.Synthetic;

/// <summary>
/// A pinhole camera at height <see cref="CameraHeight"/> metres looking level over a flat ground,
/// so that the horizon is a row. Ground coordinates: X metres to the right of the optical axis,
/// Z metres ahead. Objects stand on the ground: their feet are at row <see cref="GroundY"/>(Z) and
/// they measure <see cref="Scale"/>(Z) pixels per metre, so farther objects are smaller and closer to
/// the horizon, and sorting by ground row (ascending) sorts far to near.
/// </summary>
internal sealed class GroundCamera
{
    public const double CameraHeight = 3.0;

    public GroundCamera(int width, int height, double horizonFraction)
    {
        Width = width;
        Height = height;
        HorizonY = height * horizonFraction;
        Focal = height * 1.1;
        CenterX = (width - 1) * 0.5;
        NearZ = Focal * CameraHeight / (height - HorizonY);
    }

    public int Width { get; }
    public int Height { get; }
    public double HorizonY { get; }
    public double Focal { get; }
    public double CenterX { get; }

    /// <summary>Depth whose ground point lies on the bottom row.</summary>
    public double NearZ { get; }

    /// <summary>Depth at which the ground is a fraction g of the way from the horizon (0) to the bottom row (1).</summary>
    public double DepthAtGroundFraction(double g) => NearZ / g;

    public double ScreenX(double x, double z) => CenterX + Focal * x / z;

    public double GroundY(double z) => HorizonY + Focal * CameraHeight / z;

    public double Scale(double z) => Focal / z;

    /// <summary>Half the ground width in view at depth z, in metres.</summary>
    public double HalfWidthAt(double z) => (Width * 0.5 + 1) * z / Focal;

    /// <summary>Ground point under a pixel below the horizon (y > HorizonY).</summary>
    public (double X, double Z) GroundAt(double x, double y)
    {
        double z = Focal * CameraHeight / (y - HorizonY);
        return ((x - CenterX) * z / Focal, z);
    }
}
