using System.Globalization;
using System.Text;
using MaskStream.Evaluation.Mot;

namespace MaskStream.Evaluation.Tests.Mot;

public sealed class MotChallengeFileTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("maskstream-mot-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Write(string name, string text)
    {
        string path = Path.Combine(_dir, name);
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public void Read_NonNumericField_NamesFileLineAndField()
    {
        string path = Write("tracks.txt", "1,1,10,20,30,40,1,-1,-1\n2,1,10,abc,30,40,1,-1,-1\n");
        var ex = Assert.Throws<EvaluationInputException>(() => MotChallengeFile.Read(path));
        Assert.Equal("tracks.txt: line 2: field 4 (y) = 'abc' is not a number.", ex.Message);
    }

    [Fact]
    public void Read_TooFewFields_NamesLine()
    {
        string path = Write("gt.txt", "1,1,10,20,30\n");
        var ex = Assert.Throws<EvaluationInputException>(() => MotChallengeFile.Read(path));
        Assert.Equal("gt.txt: line 1: expected at least 6 comma-separated fields (frame,id,x,y,w,h), got 5.", ex.Message);
    }

    [Fact]
    public void Read_ClassFilter_KeepsListedClassesOnly()
    {
        string path = Write("gt.txt", "1,1,10,20,30,40,1,1,1.0\n1,2,50,20,30,40,1,3,1.0\n");
        var frames = MotChallengeFile.Read(path, new HashSet<int> { 1 });
        Assert.Equal([1L], frames[1].Select(o => o.Id));
        Assert.Equal(2, MotChallengeFile.Read(path)[1].Count);
    }

    [Theory]
    [InlineData("crossing")]
    [InlineData("fragmented")]
    public void TextFiles_ReferenceSequence_GivePyMotmetricsNumbers(string name)
    {
        var s = MotFixture.SequenceElement(name);
        var seq = MotFixture.Sequence(s);
        var gt = new StringBuilder();
        var tr = new StringBuilder();
        foreach (var f in seq.Frames)
        {
            foreach (var o in f.Gt)
                gt.AppendLine(string.Create(CultureInfo.InvariantCulture, $"{f.Frame},{o.Id},{o.Box.X:R},{o.Box.Y:R},{o.Box.W:R},{o.Box.H:R},1,1,1.0"));
            foreach (var o in f.Hyp)
                tr.AppendLine(string.Create(CultureInfo.InvariantCulture, $"{f.Frame},{o.Id},{o.Box.X:R},{o.Box.Y:R},{o.Box.W:R},{o.Box.H:R},-1,-1,-1"));
        }
        var fromFiles = MotChallengeFile.ToSequence(name,
            MotChallengeFile.Read(Write("gt.txt", gt.ToString())), MotChallengeFile.Read(Write("tracks.txt", tr.ToString())));
        var metrics = MotMetrics.Evaluate(fromFiles);
        var expected = s.GetProperty("motmetrics");
        Assert.Equal(expected.GetProperty("mota").GetDouble(), metrics.Mota, 12);
        Assert.Equal(expected.GetProperty("idf1").GetDouble(), metrics.Idf1, 12);
        Assert.Equal(expected.GetProperty("num_switches").GetInt32(), metrics.NumSwitches);
        Assert.Equal(expected.GetProperty("num_frames").GetInt32(), metrics.NumFrames);
        Assert.Equal(s.GetProperty("trackeval").GetProperty("HOTA").GetDouble(), TrackEvalMetrics.Evaluate(fromFiles).Hota.Hota, 12);
    }
}
