using System.Buffers;
using System.Runtime.InteropServices;
using System.Text;
using MaskStream.Core.Geometry;

namespace MaskStream.Core.Masks;

/// <summary>
/// A binary mask in COCO run-length encoding: alternating runs of 0- and 1-pixels over the mask
/// read in column-major (Fortran) order, starting with a 0-run (of length 0 when pixel (0,0) is set).
/// Semantics follow pycocotools' <c>maskApi.c</c> exactly, so that strings, areas, boxes and IoUs
/// agree with it byte for byte. Immutable: the run array is never written after construction.
/// </summary>
public sealed class RleMask : IEquatable<RleMask>
{
    private readonly uint[] _counts;

    /// <summary>Wraps run lengths that the caller hands over (the array must not be written afterwards).</summary>
    private RleMask(int height, int width, uint[] counts)
    {
        Height = height;
        Width = width;
        _counts = counts;
    }

    public int Height { get; }
    public int Width { get; }

    /// <summary>Run lengths, column-major, starting with a 0-run.</summary>
    public ReadOnlySpan<uint> Counts => _counts;

    /// <summary>Builds a mask from run lengths (copied). Throws when they do not sum to height·width.</summary>
    public static RleMask FromCounts(int height, int width, ReadOnlySpan<uint> counts)
    {
        ValidateSize(height, width);
        ulong sum = 0;
        foreach (uint c in counts) sum += c;
        if (sum != (ulong)height * (ulong)width)
            throw new ArgumentException(
                $"RLE run lengths sum to {sum}, but a {height}x{width} mask has {(ulong)height * (ulong)width} pixels.",
                nameof(counts));
        return new RleMask(height, width, counts.ToArray());
    }

    /// <summary>
    /// Wraps run lengths without copying or checking their sum; for decoders in this assembly
    /// whose output is correct by construction.
    /// </summary>
    internal static RleMask Wrap(int height, int width, uint[] counts) => new(height, width, counts);

    /// <summary>An all-zero mask.</summary>
    public static RleMask Empty(int height, int width)
    {
        ValidateSize(height, width);
        return new RleMask(height, width, [checked((uint)(height * width))]);
    }

    /// <summary>Encodes a row-major mask (any non-zero byte is set), as an OpenCV/NumPy image holds it.</summary>
    public static RleMask Encode(ReadOnlySpan<byte> rowMajor, int height, int width)
    {
        ValidateSize(height, width);
        if (rowMajor.Length < height * width)
            throw new ArgumentException($"A {height}x{width} mask needs {height * width} bytes, got {rowMajor.Length}.", nameof(rowMajor));
        var runs = new RunBuilder(16);
        bool previous = false;
        uint run = 0;
        for (int x = 0; x < width; x++)
        {
            for (int y = 0, i = x; y < height; y++, i += width)
            {
                bool v = rowMajor[i] != 0;
                if (v != previous)
                {
                    runs.Add(run);
                    run = 0;
                    previous = v;
                }
                run++;
            }
        }
        runs.Add(run);
        return new RleMask(height, width, runs.ToArray());
    }

    /// <summary>
    /// Encodes the set pixels of a row-major region <paramref name="roi"/> (sub-image of
    /// <paramref name="roiRowMajor"/>, stride = roi width) placed at (left, top) inside a
    /// height×width frame; pixels outside the region are 0. Costs O(roi pixels + width), so a
    /// detection's mask never needs a full-frame buffer.
    /// </summary>
    public static RleMask EncodeRegion(ReadOnlySpan<byte> roiRowMajor, int left, int top, int roiWidth, int roiHeight,
        int height, int width)
    {
        ValidateSize(height, width);
        if (roiWidth < 0 || roiHeight < 0 || left < 0 || top < 0 || left + roiWidth > width || top + roiHeight > height)
            throw new ArgumentOutOfRangeException(nameof(roiRowMajor),
                $"Region {roiWidth}x{roiHeight} at ({left},{top}) does not fit in a {width}x{height} frame.");
        if (roiRowMajor.Length < roiWidth * roiHeight)
            throw new ArgumentException("Region buffer is smaller than its size.", nameof(roiRowMajor));

        var runs = new RunBuilder(16);
        bool previous = false;
        ulong run = 0;
        void Emit(ref RunBuilder builder, bool value, ulong length)
        {
            if (length == 0) return;
            if (value != previous)
            {
                builder.Add(checked((uint)run));
                run = 0;
                previous = value;
            }
            run += length;
        }

        Emit(ref runs, false, (ulong)left * (ulong)height); // empty columns left of the region
        int below = height - top - roiHeight;
        for (int x = 0; x < roiWidth; x++)
        {
            Emit(ref runs, false, (ulong)top);
            for (int y = 0, i = x; y < roiHeight; y++, i += roiWidth)
                Emit(ref runs, roiRowMajor[i] != 0, 1);
            Emit(ref runs, false, (ulong)below);
        }
        Emit(ref runs, false, (ulong)(width - left - roiWidth) * (ulong)height);
        runs.Add(checked((uint)run));
        return new RleMask(height, width, runs.ToArray());
    }

    /// <summary>Decodes into a row-major buffer of height·width bytes (1 = set, 0 = clear).</summary>
    public void DecodeTo(Span<byte> rowMajor)
    {
        if (rowMajor.Length < Height * Width)
            throw new ArgumentException($"Decoding needs {Height * Width} bytes, got {rowMajor.Length}.", nameof(rowMajor));
        int h = Height;
        long position = 0;
        byte value = 0;
        foreach (uint c in _counts)
        {
            if (value != 0)
            {
                for (long p = position, end = position + c; p < end; p++)
                {
                    int x = (int)(p / h), y = (int)(p - (long)x * h);
                    rowMajor[y * Width + x] = 1;
                }
            }
            else
            {
                for (long p = position, end = position + c; p < end; p++)
                {
                    int x = (int)(p / h), y = (int)(p - (long)x * h);
                    rowMajor[y * Width + x] = 0;
                }
            }
            position += c;
            value ^= 1;
        }
    }

    /// <summary>Decodes into a new row-major array.</summary>
    public byte[] Decode()
    {
        var mask = new byte[Height * Width];
        DecodeTo(mask);
        return mask;
    }

    /// <summary>Number of set pixels (pycocotools <c>area</c>).</summary>
    public long Area
    {
        get
        {
            long a = 0;
            for (int i = 1; i < _counts.Length; i += 2) a += _counts[i];
            return a;
        }
    }

    /// <summary>
    /// Bounding box [x, y, w, h] of the set pixels in whole pixels, as pycocotools' <c>toBbox</c>
    /// computes it (including its rule that a run crossing a column boundary spans all rows);
    /// all zeros for an empty mask.
    /// </summary>
    public (double X, double Y, double W, double H) ToBbox()
    {
        int h = Height, w = Width;
        int m = _counts.Length / 2 * 2;
        if (m == 0) return (0, 0, 0, 0);
        long xs = w, ys = h, xe = 0, ye = 0, cc = 0, xp = 0;
        for (int j = 0; j < m; j++)
        {
            cc += _counts[j];
            long t = cc - (j % 2);
            long y = t % h, x = (t - y) / h;
            if (j % 2 == 0) xp = x;
            else if (xp < x) { ys = 0; ye = h - 1; }
            xs = Math.Min(xs, x); xe = Math.Max(xe, x);
            ys = Math.Min(ys, y); ye = Math.Max(ye, y);
        }
        return (xs, ys, xe - xs + 1, ye - ys + 1);
    }

    /// <summary>The bounding box as an xyxy <see cref="BoxF"/> (empty box for an empty mask).</summary>
    public BoxF ToBoxF()
    {
        var (x, y, bw, bh) = ToBbox();
        return new BoxF((float)x, (float)y, (float)(x + bw), (float)(y + bh));
    }

    /// <summary>COCO's compressed string form (pycocotools <c>rleToString</c>).</summary>
    public string ToCompressedString()
    {
        var sb = new StringBuilder(_counts.Length * 2);
        for (int i = 0; i < _counts.Length; i++)
        {
            long x = _counts[i];
            if (i > 2) x -= _counts[i - 2];
            bool more = true;
            while (more)
            {
                long c = x & 0x1f;
                x >>= 5;
                more = (c & 0x10) != 0 ? x != -1 : x != 0;
                if (more) c |= 0x20;
                sb.Append((char)(c + 48));
            }
        }
        return sb.ToString();
    }

    /// <summary>
    /// Parses COCO's compressed string form (pycocotools <c>rleFrString</c>). Throws
    /// <see cref="FormatException"/> naming the problem when the string is not a valid RLE of a
    /// height×width mask.
    /// </summary>
    public static RleMask FromCompressedString(string counts, int height, int width)
    {
        ValidateSize(height, width);
        ArgumentNullException.ThrowIfNull(counts);
        var runs = new RunBuilder(counts.Length);
        int p = 0;
        ulong total = 0;
        while (p < counts.Length)
        {
            long x = 0;
            int k = 0;
            bool more = true;
            while (more)
            {
                if (p >= counts.Length)
                    throw new FormatException($"RLE string ends inside a number at character {p}.");
                int c = counts[p] - 48;
                if (c < 0 || c > 63)
                    throw new FormatException($"RLE string has an invalid character '{counts[p]}' at position {p}.");
                if (k > 12)
                    throw new FormatException($"RLE string has a run too long at character {p}.");
                x |= (long)(c & 0x1f) << (5 * k);
                more = (c & 0x20) != 0;
                p++;
                k++;
                if (!more && (c & 0x10) != 0) x |= -1L << (5 * k);
            }
            if (runs.Count > 2) x += runs[runs.Count - 2];
            if (x < 0 || x > uint.MaxValue)
                throw new FormatException($"RLE string decodes to an invalid run length {x} (run {runs.Count}).");
            runs.Add((uint)x);
            total += (ulong)x;
        }
        if (total != (ulong)height * (ulong)width)
            throw new FormatException(
                $"RLE runs sum to {total} pixels, but the size is {height}x{width} ({(ulong)height * (ulong)width} pixels).");
        return new RleMask(height, width, runs.ToArray());
    }

    /// <summary>
    /// pycocotools <c>iou</c> for one pair: intersection / union, or intersection / area(dt) when
    /// <paramref name="gtIsCrowd"/>; 0 when the masks' bounding boxes do not overlap; −1 when the
    /// sizes differ (as pycocotools reports it).
    /// </summary>
    public static double Iou(RleMask dt, RleMask gt, bool gtIsCrowd)
    {
        var db = dt.ToBbox();
        var gb = gt.ToBbox();
        if (BoxIou(db, gb, gtIsCrowd) <= 0) return 0;
        return PixelIou(dt, gt, gtIsCrowd);
    }

    /// <summary>Mask IoU from the runs alone, without the bounding-box pre-check.</summary>
    public static double PixelIou(RleMask dt, RleMask gt, bool gtIsCrowd)
    {
        if (dt.Height != gt.Height || dt.Width != gt.Width) return -1;
        var a = dt._counts;
        var b = gt._counts;
        int ka = a.Length, kb = b.Length;
        long ca = a[0], cb = b[0];
        bool va = false, vb = false;
        int ia = 1, ib = 1;
        long u = 0, inter = 0;
        long ct = 1;
        while (ct > 0)
        {
            long c = Math.Min(ca, cb);
            if (va || vb)
            {
                u += c;
                if (va && vb) inter += c;
            }
            ct = 0;
            ca -= c;
            if (ca == 0 && ia < ka) { ca = a[ia++]; va = !va; }
            ct += ca;
            cb -= c;
            if (cb == 0 && ib < kb) { cb = b[ib++]; vb = !vb; }
            ct += cb;
        }
        if (inter == 0) u = 1;
        else if (gtIsCrowd) u = dt.Area;
        return (double)inter / u;
    }

    /// <summary>
    /// pycocotools <c>bbIou</c> for one pair of [x, y, w, h] boxes: intersection / union, or
    /// intersection / area(dt) for a crowd gt; 0 without positive overlap.
    /// </summary>
    public static double BoxIou((double X, double Y, double W, double H) dt, (double X, double Y, double W, double H) gt,
        bool gtIsCrowd)
    {
        double w = Math.Min(dt.W + dt.X, gt.W + gt.X) - Math.Max(dt.X, gt.X);
        if (w <= 0) return 0;
        double h = Math.Min(dt.H + dt.Y, gt.H + gt.Y) - Math.Max(dt.Y, gt.Y);
        if (h <= 0) return 0;
        double i = w * h;
        double da = dt.W * dt.H, ga = gt.W * gt.H;
        double u = gtIsCrowd ? da : da + ga - i;
        return i / u;
    }

    /// <summary>
    /// Union (or intersection) of masks of one size (pycocotools <c>merge</c>). Masks of different
    /// sizes are an error here (pycocotools silently returns an empty 0x0 mask).
    /// </summary>
    public static RleMask Merge(IReadOnlyList<RleMask> masks, bool intersect = false)
    {
        ArgumentNullException.ThrowIfNull(masks);
        if (masks.Count == 0) throw new ArgumentException("Merge needs at least one mask.", nameof(masks));
        var first = masks[0];
        if (masks.Count == 1) return first;
        uint[] current = first._counts;
        int currentLength = current.Length;
        for (int n = 1; n < masks.Count; n++)
        {
            var bMask = masks[n];
            if (bMask.Height != first.Height || bMask.Width != first.Width)
                throw new ArgumentException(
                    $"Mask {n} is {bMask.Height}x{bMask.Width}, but mask 0 is {first.Height}x{first.Width}.", nameof(masks));
            var b = bMask._counts;
            var output = new uint[currentLength + b.Length];
            int m = 0;
            int ka = currentLength, kb = b.Length;
            long ca = current[0], cb = b[0], cc = 0, ct = 1;
            bool v = false, va = false, vb = false;
            int ia = 1, ib = 1;
            while (ct > 0)
            {
                long c = Math.Min(ca, cb);
                cc += c;
                ct = 0;
                ca -= c;
                if (ca == 0 && ia < ka) { ca = current[ia++]; va = !va; }
                ct += ca;
                cb -= c;
                if (cb == 0 && ib < kb) { cb = b[ib++]; vb = !vb; }
                ct += cb;
                bool vp = v;
                v = intersect ? va && vb : va || vb;
                if (v != vp || ct == 0) { output[m++] = (uint)cc; cc = 0; }
            }
            current = output;
            currentLength = m;
        }
        return new RleMask(first.Height, first.Width, current.AsSpan(0, currentLength).ToArray());
    }

    public bool Equals(RleMask? other) =>
        other is not null && Height == other.Height && Width == other.Width && _counts.AsSpan().SequenceEqual(other._counts);

    public override bool Equals(object? obj) => Equals(obj as RleMask);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.Add(Height);
        hash.Add(Width);
        hash.AddBytes(MemoryMarshal.AsBytes(_counts.AsSpan()));
        return hash.ToHashCode();
    }

    public override string ToString() => $"RleMask {Height}x{Width}, area {Area}, {_counts.Length} runs";

    private static void ValidateSize(int height, int width)
    {
        if (height < 0 || width < 0)
            throw new ArgumentOutOfRangeException(nameof(height), $"Mask size {height}x{width} is negative.");
    }

    /// <summary>A growable run list backed by the shared array pool.</summary>
    internal struct RunBuilder
    {
        private uint[] _buffer;

        public RunBuilder(int capacity)
        {
            _buffer = ArrayPool<uint>.Shared.Rent(Math.Max(capacity, 4));
            Count = 0;
        }

        public int Count { get; private set; }

        public readonly uint this[int index] => _buffer[index];

        public void Add(uint value)
        {
            if (Count == _buffer.Length)
            {
                var bigger = ArrayPool<uint>.Shared.Rent(_buffer.Length * 2);
                _buffer.AsSpan(0, Count).CopyTo(bigger);
                ArrayPool<uint>.Shared.Return(_buffer);
                _buffer = bigger;
            }
            _buffer[Count++] = value;
        }

        /// <summary>Copies the runs out and returns the pooled buffer; the builder is spent afterwards.</summary>
        public uint[] ToArray()
        {
            var result = _buffer.AsSpan(0, Count).ToArray();
            ArrayPool<uint>.Shared.Return(_buffer);
            _buffer = [];
            return result;
        }
    }
}
