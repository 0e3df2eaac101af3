using MaskStream.Evaluation.Mot;

namespace MaskStream.Evaluation.Tests.Mot;

public sealed class IgnoredObjectsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("maskstream-mot-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static MotObject Obj(long id, double x, double y, double w = 20, double h = 40) => new(id, new MotBox(x, y, w, h));

    [Fact]
    public void RemoveMatched_DropsOnlyTrackerBoxesMatchedToIgnoredObjects()
    {
        var scored = new[] { Obj(1, 0, 0) };
        var ignored = new[] { Obj(2, 100, 0) };
        // 10 on object 1, 11 on the ignored object 2 (IoU 0.82), 12 nowhere, 13 half on object 2 (IoU 0.33: not a match).
        var hyp = new[] { Obj(10, 1, 0), Obj(11, 102, 2), Obj(12, 300, 0), Obj(13, 110, 0) };
        Assert.Equal([10L, 12L, 13L], IgnoredObjects.RemoveMatched(scored, ignored, hyp).Select(o => o.Id));
    }

    [Fact]
    public void RemoveMatched_TrackerBoxBetweenAScoredAndAnIgnoredObject_GoesToTheBetterOverlap()
    {
        // Hungarian on IoU over all ground truth, as TrackEval's preprocessing: box 10 overlaps the scored object
        // more, so it is kept (and box 11, the only one left for the ignored object, is dropped).
        var scored = new[] { Obj(1, 0, 0) };
        var ignored = new[] { Obj(2, 4, 0) };
        var hyp = new[] { Obj(10, 1, 0), Obj(11, 5, 0) };
        Assert.Equal([10L], IgnoredObjects.RemoveMatched(scored, ignored, hyp).Select(o => o.Id));
    }

    [Fact]
    public void ReadGroundTruth_SetsApartRowsMarkedZero_AndScoringIgnoresThem()
    {
        string gt = Path.Combine(_dir, "gt.txt"), tracks = Path.Combine(_dir, "tracks.txt");
        File.WriteAllText(gt, "1,1,0,0,20,40,1,1,1\n1,2,100,0,4,4,0,1,0.02\n2,1,2,0,20,40,1,1,1\n2,2,102,0,4,4,0,1,0.02\n");
        File.WriteAllText(tracks, "1,7,0,0,20,40,1,-1,-1\n1,8,100,0,4,4,1,-1,-1\n2,7,2,0,20,40,1,-1,-1\n");
        var scored = MotChallengeFile.ReadGroundTruth(gt, null, out var ignored);
        Assert.Equal([1L], scored[1].Select(o => o.Id));
        Assert.Equal([2L], ignored[2].Select(o => o.Id));
        Assert.Equal(4, MotChallengeFile.Read(gt).Values.Sum(l => l.Count));

        var sequence = IgnoredObjects.Apply(MotChallengeFile.ToSequence("gt", scored, MotChallengeFile.Read(tracks)), ignored);
        var m = MotMetrics.Evaluate(sequence);
        Assert.Equal((2, 0, 0, 1.0), (m.NumMatches, m.NumMisses, m.NumFalsePositives, m.Idf1));
    }
}
