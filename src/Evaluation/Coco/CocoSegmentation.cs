using MaskStream.Core.Masks;

namespace MaskStream.Evaluation.Coco;

/// <summary>
/// A COCO <c>segmentation</c> field in one of its three forms. <see cref="ToRle"/> follows
/// <c>COCO.annToRLE</c>: polygons are rasterized at the image size and merged, RLEs carry their own size.
/// </summary>
public abstract record CocoSegmentation
{
    public abstract RleMask ToRle(int imageHeight, int imageWidth);

    /// <summary>Polygons, each a flat list x1, y1, x2, y2, … in image pixels.</summary>
    public sealed record Polygons(IReadOnlyList<double[]> Parts) : CocoSegmentation
    {
        public override RleMask ToRle(int imageHeight, int imageWidth) => RlePolygon.FromPolygons(Parts, imageHeight, imageWidth);
    }

    /// <summary>Uncompressed RLE: <c>{"size":[h,w],"counts":[runs...]}</c>.</summary>
    public sealed record UncompressedRle(int Height, int Width, uint[] Counts) : CocoSegmentation
    {
        public override RleMask ToRle(int imageHeight, int imageWidth) => RleMask.FromCounts(Height, Width, Counts);
    }

    /// <summary>Compressed RLE: <c>{"size":[h,w],"counts":"string"}</c>.</summary>
    public sealed record CompressedRle(int Height, int Width, string Counts) : CocoSegmentation
    {
        public override RleMask ToRle(int imageHeight, int imageWidth) => RleMask.FromCompressedString(Counts, Height, Width);
    }

    /// <summary>An already decoded mask (from code rather than a file).</summary>
    public sealed record Mask(RleMask Rle) : CocoSegmentation
    {
        public override RleMask ToRle(int imageHeight, int imageWidth) => Rle;
    }
}
