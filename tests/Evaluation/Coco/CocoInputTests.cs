using System.Globalization;
using System.Text;
using System.Text.Json;
using MaskStream.Core.Masks;
using MaskStream.Evaluation.Coco;

namespace MaskStream.Evaluation.Tests.Coco;

public sealed class CocoInputTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("maskstream-eval-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Write(string name, string text)
    {
        string path = Path.Combine(_dir, name);
        File.WriteAllText(path, text);
        return path;
    }

    private const string Gt = """
        {"images":[{"id":1,"width":100,"height":80,"file_name":"frames/a.jpg"},{"id":2,"width":100,"height":80,"file_name":"b.jpg"}],
         "categories":[{"id":1,"name":"person"},{"id":3,"name":"car"}],
         "annotations":[{"id":1,"image_id":1,"category_id":1,"bbox":[10,10,20,30],"area":600,"iscrowd":0}]}
        """;

    [Fact]
    public void Results_UnknownImageId_NamesFileEntryAndField()
    {
        var gt = CocoJson.ReadGroundTruthFile(Write("gt.json", Gt));
        string dt = Write("dt.json", """[{"image_id":1,"category_id":1,"bbox":[10,10,20,30],"score":0.9},{"image_id":7,"category_id":1,"bbox":[1,1,2,2],"score":0.5}]""");
        var ex = Assert.Throws<EvaluationInputException>(() => CocoJson.ReadDetectionsFile(dt, gt, CocoIouType.Bbox));
        Assert.Equal("dt.json: entry 1: field 'image_id' = 7 is not an image id of the ground truth.", ex.Message);
    }

    [Fact]
    public void Results_UnknownCategoryId_NamesFileEntryAndField()
    {
        var gt = CocoJson.ReadGroundTruthFile(Write("gt.json", Gt));
        string dt = Write("dt.json", """[{"image_id":1,"category_id":2,"bbox":[10,10,20,30],"score":0.9}]""");
        var ex = Assert.Throws<EvaluationInputException>(() => CocoJson.ReadDetectionsFile(dt, gt, CocoIouType.Bbox));
        Assert.Equal("dt.json: entry 0: field 'category_id' = 2 is not a category id of the ground truth.", ex.Message);
    }

    [Fact]
    public void Results_NonNumericScore_NamesField()
    {
        var gt = CocoJson.ReadGroundTruthFile(Write("gt.json", Gt));
        string dt = Write("dt.json", """[{"image_id":1,"category_id":1,"bbox":[10,10,20,30],"score":"high"}]""");
        var ex = Assert.Throws<EvaluationInputException>(() => CocoJson.ReadDetectionsFile(dt, gt, CocoIouType.Bbox));
        Assert.Equal("dt.json: entry 0: field 'score' must be a number, got \"high\".", ex.Message);
    }

    [Fact]
    public void GroundTruth_MalformedJson_NamesFileAndLine()
    {
        string path = Write("gt.json", "{\"images\": [\n  {\"id\": 1,, \"width\": 3}\n]}");
        var ex = Assert.Throws<EvaluationInputException>(() => CocoJson.ReadGroundTruthFile(path));
        Assert.StartsWith("gt.json: line 2: malformed JSON", ex.Message);
    }

    [Fact]
    public void GroundTruth_AnnotationWithUnknownImage_NamesEntryAndField()
    {
        string path = Write("gt.json", Gt.Replace("\"image_id\":1", "\"image_id\":9", StringComparison.Ordinal));
        var ex = Assert.Throws<EvaluationInputException>(() => CocoJson.ReadGroundTruthFile(path));
        Assert.Equal("gt.json: annotations[0]: field 'image_id' = 9 is not in 'images'.", ex.Message);
    }

    [Fact]
    public void DetectJsonl_UnknownSourceAndClass_NameLineAndField()
    {
        var gt = CocoJson.ReadGroundTruthFile(Write("gt.json", Gt));
        string unknownSource = Write("det.jsonl", """
            {"frame":0,"source":"a.jpg","width":100,"height":80,"objects":[]}
            {"frame":1,"source":"c.jpg","width":100,"height":80,"objects":[]}
            """);
        var ex = Assert.Throws<EvaluationInputException>(() => CocoJson.ReadDetectionsFile(unknownSource, gt, CocoIouType.Bbox));
        Assert.Equal("det.jsonl: line 2: field 'source' = \"c.jpg\" matches no images[].file_name of the ground truth.", ex.Message);

        string unknownClass = Write("det2.jsonl", """{"frame":0,"source":"b.jpg","width":100,"height":80,"objects":[{"class_id":1,"class":"person","score":0.5,"bbox":[1,2,3,4]},{"class_id":2,"class":"bicycle","score":0.5,"bbox":[1,2,3,4]}]}""");
        ex = Assert.Throws<EvaluationInputException>(() => CocoJson.ReadDetectionsFile(unknownClass, gt, CocoIouType.Bbox));
        Assert.Equal("det2.jsonl: line 1: objects[1]: field 'class_id' = 2 is not a category id of the ground truth.", ex.Message);
    }

    [Fact]
    public void DetectJsonl_BboxIsXyxyAndSourceMatchesByFileName()
    {
        var gt = CocoJson.ReadGroundTruthFile(Write("gt.json", Gt));
        // "a.jpg" matches "frames/a.jpg" by file name; [10,10,30,40] xyxy is the gt box [10,10,20,30] xywh.
        string path = Write("det.jsonl", """{"frame":0,"source":"/data/a.jpg","width":100,"height":80,"objects":[{"class_id":1,"class":"person","score":0.9,"bbox":[10,10,30,40]}]}""");
        var results = CocoJson.ReadDetectionsFile(path, gt, CocoIouType.Bbox);
        var r = Assert.Single(results);
        Assert.Equal(1, r.ImageId);
        Assert.Equal(new CocoBox(10, 10, 20, 30), r.Bbox);
        Assert.Equal(1.0, CocoEvaluator.Evaluate(gt, results, CocoIouType.Bbox).Stats[0], 12);
    }

    [Fact]
    public void DetectJsonl_ReferenceScenario_GivesPycocotoolsStats()
    {
        // bbox_random_a written as one JSONL line per detection (list order kept, so score ties break the same way).
        var s = Fixtures.Scenario("cocoeval_bbox.json", "bbox_random_a");
        var gt = CocoJson.ReadGroundTruth(s.GetProperty("gt"), "gt");
        gt = gt with { Images = [.. gt.Images.Select(i => i with { FileName = $"img{i.Id}.png" })] };
        var lines = new StringBuilder();
        foreach (var d in s.GetProperty("dt").EnumerateArray())
        {
            var b = Fixtures.Doubles(d.GetProperty("bbox"));
            var obj = new
            {
                frame = 0,
                source = $"img{d.GetProperty("image_id").GetInt64()}.png",
                width = 0,
                height = 0,
                objects = new[] { new { class_id = d.GetProperty("category_id").GetInt64(), @class = "x", score = d.GetProperty("score").GetDouble(), bbox = new[] { b[0], b[1], b[0] + b[2], b[1] + b[3] } } },
            };
            lines.AppendLine(JsonSerializer.Serialize(obj));
        }
        var results = CocoJson.ReadDetectionsFile(Write("det.jsonl", lines.ToString()), gt, CocoIouType.Bbox);
        var stats = CocoEvaluator.Evaluate(gt, results, CocoIouType.Bbox).Stats;
        var expected = Fixtures.Doubles(s.GetProperty("stats"));
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - stats[i]) <= 1e-9, string.Create(CultureInfo.InvariantCulture, $"stats[{i}]: {expected[i]} vs {stats[i]}"));
    }

    [Fact]
    public void DetectJsonl_KeypointsWithOtherClassesPresent_EvaluatesTheKeypointCategoryOnly()
    {
        // keypoints_random_a (person only) plus a "car" category with ground truth and detections
        // that carry no keypoints, as the detector writes them: the keypoint stats must stay
        // pycocotools' own.
        var s = Fixtures.Scenario("cocoeval_keypoints.json", "keypoints_random_a");
        var gt = CocoJson.ReadGroundTruth(s.GetProperty("gt"), "gt");
        Assert.Contains(gt.Categories, c => c.HasKeypoints);
        long carId = gt.Categories.Max(c => c.Id) + 1;
        long annId = gt.Annotations.Max(a => a.Id) + 1;
        gt = gt with
        {
            Images = [.. gt.Images.Select(i => i with { FileName = $"img{i.Id}.png" })],
            Categories = [.. gt.Categories, new CocoCategory(carId, "car")],
            Annotations = [.. gt.Annotations, .. gt.Images.Select((im, k) => new CocoAnnotation
            {
                Id = annId + k, ImageId = im.Id, CategoryId = carId, Bbox = new CocoBox(1, 1, 30, 20), Area = 600,
            })],
        };
        var lines = new StringBuilder();
        foreach (var d in s.GetProperty("dt").EnumerateArray())
        {
            var k = Fixtures.Doubles(d.GetProperty("keypoints"));
            var keypoints = Enumerable.Range(0, k.Length / 3).Select(j => new[] { k[3 * j], k[3 * j + 1], k[3 * j + 2] }).ToArray();
            string source = $"img{d.GetProperty("image_id").GetInt64()}.png";
            var person = new { class_id = d.GetProperty("category_id").GetInt64(), @class = "person", score = d.GetProperty("score").GetDouble(), bbox = new[] { 0.0, 0, 1, 1 }, keypoints };
            var car = new { class_id = carId, @class = "car", score = 0.9, bbox = new[] { 1.0, 1, 31, 21 } };
            lines.AppendLine(JsonSerializer.Serialize(new { frame = 0, source, width = 0, height = 0, objects = new object[] { person, car } }));
        }
        var results = CocoJson.ReadDetectionsFile(Write("det.jsonl", lines.ToString()), gt, CocoIouType.Keypoints);

        Assert.DoesNotContain(results, r => r.CategoryId == carId);
        var stats = CocoEvaluator.Evaluate(gt, results, CocoIouType.Keypoints).Stats;
        var expected = Fixtures.Doubles(s.GetProperty("stats"));
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - stats[i]) <= 1e-9, string.Create(CultureInfo.InvariantCulture, $"stats[{i}]: {expected[i]} vs {stats[i]}"));
    }

    [Theory]
    [InlineData(CocoIouType.Bbox, false, 0.9)]
    [InlineData(CocoIouType.Segm, false, 0.6)]
    [InlineData(CocoIouType.Keypoints, false, 0.3)]
    [InlineData(CocoIouType.Segm, true, 0.9)]
    [InlineData(CocoIouType.Keypoints, true, 0.9)]
    public void DetectJsonl_MaskAndPoseScores_RankTheirOwnResultsUnlessBoxScoresAreAsked(CocoIouType type, bool boxScores, double expected)
    {
        var s = Fixtures.Scenario("cocoeval_keypoints.json", "keypoints_random_a");
        var gt = CocoJson.ReadGroundTruth(s.GetProperty("gt"), "gt");
        gt = gt with { Images = [.. gt.Images.Select(i => i with { FileName = $"img{i.Id}.png" })] };
        var image = gt.Images[0];
        long person = gt.Categories.First(c => c.HasKeypoints).Id;
        string keypoints = string.Join(",", Enumerable.Repeat("[5,5,1.0]", 17));
        string path = Write("det.jsonl", $$"""{"frame":0,"source":"img{{image.Id}}.png","width":{{image.Width}},"height":{{image.Height}},"objects":[{"class_id":{{person}},"class":"person","score":0.9,"mask_score":0.6,"keypoint_score":0.3,"bbox":[1,1,11,11],"mask":{"size":[{{image.Height}},{{image.Width}}],"counts":"{{RleMask.Encode(Square(image.Height, image.Width), image.Height, image.Width).ToCompressedString()}}"},"keypoints":[{{keypoints}}]}]}""");
        var r = Assert.Single(CocoJson.ReadDetectionsFile(path, gt, type, boxScores));
        Assert.Equal(expected, r.Score, 6);
    }

    /// <summary>Row-major bits of the square [1, 11) x [1, 11).</summary>
    private static byte[] Square(int height, int width)
    {
        var bits = new byte[height * width];
        for (int y = 1; y < 11; y++)
            for (int x = 1; x < 11; x++) bits[y * width + x] = 1;
        return bits;
    }
}
