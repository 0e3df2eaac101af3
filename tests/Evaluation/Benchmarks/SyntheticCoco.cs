#:project ../../../src/Core/MaskStream.Core.csproj
// Writes a synthetic COCO segm set for timing `maskstream eval coco` (not part of the test run):
//   dotnet run tests/Evaluation/Benchmarks/SyntheticCoco.cs -- OUTDIR [images=5000] [perImage=10]
// Ground truth: random rectangles as compressed RLE on 640x480 images, 5 categories, ~3% crowds.
// Detections: each gt jittered by a few pixels (90%), plus one false positive per image.
using System.Globalization;
using System.Text.Json;
using MaskStream.Core.Masks;

string outDir = args[0];
int images = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 5000;
int perImage = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 10;
const int W = 640, H = 480;
var rng = new Random(42);
Directory.CreateDirectory(outDir);

RleMask Rect(int x, int y, int w, int h)
{
    var roi = new byte[w * h];
    Array.Fill(roi, (byte)1);
    return RleMask.EncodeRegion(roi, x, y, w, h, H, W);
}

(int, int, int, int) Jitter((int X, int Y, int W, int H) r)
{
    int x = Math.Clamp(r.X + rng.Next(-4, 5), 0, W - 2), y = Math.Clamp(r.Y + rng.Next(-4, 5), 0, H - 2);
    int w = Math.Clamp(r.W + rng.Next(-4, 5), 1, W - x), h = Math.Clamp(r.H + rng.Next(-4, 5), 1, H - y);
    return (x, y, w, h);
}

using var gtStream = File.Create(Path.Combine(outDir, "gt.json"));
using var dtStream = File.Create(Path.Combine(outDir, "dt.json"));
using var gt = new Utf8JsonWriter(gtStream);
using var dt = new Utf8JsonWriter(dtStream);
gt.WriteStartObject();
gt.WriteStartArray("images");
for (int i = 1; i <= images; i++)
{
    gt.WriteStartObject(); gt.WriteNumber("id", i); gt.WriteString("file_name", $"{i:D6}.jpg"); gt.WriteNumber("width", W); gt.WriteNumber("height", H); gt.WriteEndObject();
}
gt.WriteEndArray();
gt.WriteStartArray("categories");
for (int c = 1; c <= 5; c++)
{
    gt.WriteStartObject(); gt.WriteNumber("id", c); gt.WriteString("name", $"class{c}"); gt.WriteEndObject();
}
gt.WriteEndArray();
gt.WriteStartArray("annotations");
dt.WriteStartArray();
int annId = 1;
void WriteRle(Utf8JsonWriter w, string name, RleMask m)
{
    w.WriteStartObject(name);
    w.WriteStartArray("size"); w.WriteNumberValue(H); w.WriteNumberValue(W); w.WriteEndArray();
    w.WriteString("counts", m.ToCompressedString());
    w.WriteEndObject();
}
for (int i = 1; i <= images; i++)
{
    for (int k = 0; k < perImage; k++)
    {
        int w = rng.Next(8, 200), h = rng.Next(8, 200);
        var r = (X: rng.Next(0, W - w), Y: rng.Next(0, H - h), W: w, H: h);
        int cat = rng.Next(1, 6);
        var mask = Rect(r.X, r.Y, r.W, r.H);
        gt.WriteStartObject();
        gt.WriteNumber("id", annId++); gt.WriteNumber("image_id", i); gt.WriteNumber("category_id", cat);
        gt.WriteNumber("iscrowd", rng.NextDouble() < 0.03 ? 1 : 0); gt.WriteNumber("area", mask.Area);
        gt.WriteStartArray("bbox"); gt.WriteNumberValue(r.X); gt.WriteNumberValue(r.Y); gt.WriteNumberValue(r.W); gt.WriteNumberValue(r.H); gt.WriteEndArray();
        WriteRle(gt, "segmentation", mask);
        gt.WriteEndObject();
        if (rng.NextDouble() < 0.9)
        {
            var (x, y, jw, jh) = Jitter(r);
            dt.WriteStartObject();
            dt.WriteNumber("image_id", i); dt.WriteNumber("category_id", rng.NextDouble() < 0.95 ? cat : rng.Next(1, 6));
            dt.WriteNumber("score", Math.Round(rng.NextDouble(), 3));
            WriteRle(dt, "segmentation", Rect(x, y, jw, jh));
            dt.WriteEndObject();
        }
    }
    int fw = rng.Next(8, 100), fh = rng.Next(8, 100);
    dt.WriteStartObject();
    dt.WriteNumber("image_id", i); dt.WriteNumber("category_id", rng.Next(1, 6)); dt.WriteNumber("score", Math.Round(rng.NextDouble(), 3));
    WriteRle(dt, "segmentation", Rect(rng.Next(0, W - fw), rng.Next(0, H - fh), fw, fh));
    dt.WriteEndObject();
}
gt.WriteEndArray();
gt.WriteEndObject();
dt.WriteEndArray();
Console.WriteLine($"{images} images, {annId - 1} gt annotations -> {outDir}");
