namespace MaskStream.Tracking.Tests;

public class TrackerOptionsTests
{
    [Fact]
    public void Defaults_AreValid_AndByteTracks()
    {
        var o = new TrackerOptions();
        Assert.Empty(o.Validate());
        Assert.Equal(0.5f, o.HighScoreThreshold);
        Assert.Equal(0.8f, o.MatchThreshold);
        Assert.Equal(0.6f, o.NewTrackThreshold);
        Assert.Equal(TrackDuration.FromSeconds(2), o.LostTrackBuffer);
        Assert.Equal(MotionModel.Xywh, o.MotionModel);
        Assert.True(o.Appearance);
        Assert.Equal(0.5f, o.AppearanceMinIou);
    }

    public static TheoryData<TrackerOptions, string> Invalid() => new()
    {
        { new TrackerOptions { MatchThreshold = 1.7f }, "Tracking:MatchThreshold = 1.7: must be in (0, 1]" },
        { new TrackerOptions { HighScoreThreshold = 0f }, "Tracking:HighScoreThreshold = 0: must be in (0, 1]" },
        { new TrackerOptions { LowScoreThreshold = -0.1f }, "Tracking:LowScoreThreshold = -0.1: must be in (0, 1]" },
        { new TrackerOptions { NewTrackThreshold = float.NaN }, "Tracking:NewTrackThreshold = NaN: must be in (0, 1]" },
        { new TrackerOptions { LowScoreMatchThreshold = 2f }, "Tracking:LowScoreMatchThreshold = 2: must be in (0, 1]" },
        { new TrackerOptions { TentativeMatchThreshold = 0f }, "Tracking:TentativeMatchThreshold = 0: must be in (0, 1]" },
        { new TrackerOptions { DuplicateIou = 1.5f }, "Tracking:DuplicateIou = 1.5: must be in (0, 1]" },
        { new TrackerOptions { AppearanceMatchDistance = 0f }, "Tracking:AppearanceMatchDistance = 0: must be in (0, 1]" },
        { new TrackerOptions { AppearanceRejectDistance = float.NaN }, "Tracking:AppearanceRejectDistance = NaN: must be in (0, 1]" },
        { new TrackerOptions { AppearanceMatchDistance = 0.7f }, "Tracking:AppearanceMatchDistance = 0.7: must not exceed AppearanceRejectDistance (0.6)" },
        { new TrackerOptions { AppearancePartialRejectDistance = 1.5f }, "Tracking:AppearancePartialRejectDistance = 1.5: must be in (0, 1]" },
        { new TrackerOptions { AppearancePartialRejectDistance = 0.5f }, "Tracking:AppearancePartialRejectDistance = 0.5: must not be below AppearanceRejectDistance (0.6)" },
        { new TrackerOptions { AppearanceMinIou = 1.2f }, "Tracking:AppearanceMinIou = 1.2: must be in (0, 1]" },
        { new TrackerOptions { LowScoreThreshold = 0.6f }, "Tracking:LowScoreThreshold = 0.6: must not exceed HighScoreThreshold (0.5)" },
        { new TrackerOptions { HitsToConfirm = 0 }, "Tracking:HitsToConfirm = 0: must be at least 1" },
        { new TrackerOptions { LostTrackBuffer = TrackDuration.FromFrames(0) }, "Tracking:LostTrackBuffer = 0 frames: must be positive and finite" },
        { new TrackerOptions { LostTrackBuffer = TrackDuration.FromSeconds(-1) }, "Tracking:LostTrackBuffer = -1 s: must be positive and finite" },
        { new TrackerOptions { Metric = (AssociationMetric)7 }, "Tracking:Metric = 7: must be one of BoxIou, MaskIou" },
        { new TrackerOptions { MotionModel = (MotionModel)5 }, "Tracking:MotionModel = 5: must be one of Xyah, Xywh" },
        { new TrackerOptions { LostTrackSearchGrowth = -1 }, "Tracking:LostTrackSearchGrowth = -1: must be zero or positive, and finite" },
        { new TrackerOptions { LostTrackSearchLimit = -1 }, "Tracking:LostTrackSearchLimit = -1: must be zero or positive, and finite" },
        { new TrackerOptions { EdgeLostTrackBuffer = TrackDuration.FromFrames(0) }, "Tracking:EdgeLostTrackBuffer = 0 frames: must be positive and finite" },
        { new TrackerOptions { EdgeLostTrackBuffer = TrackDuration.FromSeconds(3) }, "Tracking:EdgeLostTrackBuffer = 3 s: must not exceed LostTrackBuffer (2 s)" },
        { new TrackerOptions { SmallDetectionArea = -1 }, "Tracking:SmallDetectionArea = -1: must be zero or positive, and finite (square pixels)" },
        { new TrackerOptions { ContainedMaskFraction = 1.1f }, "Tracking:ContainedMaskFraction = 1.1: must be in (0, 1], or 0 (off)" },
        { new TrackerOptions { ContainedMaskFraction = -0.5f }, "Tracking:ContainedMaskFraction = -0.5: must be in (0, 1], or 0 (off)" },
        { new TrackerOptions { ContainedMaskFraction = float.NaN }, "Tracking:ContainedMaskFraction = NaN: must be in (0, 1], or 0 (off)" },
        { new TrackerOptions { MaxHeightGrowth = 0.5f }, "Tracking:MaxHeightGrowth = 0.5: must be at least 1" },
        { new TrackerOptions { MaxHeightGrowth = float.NaN }, "Tracking:MaxHeightGrowth = NaN: must be at least 1" },
        { new TrackerOptions { LostTrackBuffer = TrackDuration.FromFrames(30), ReportLostTracksFor = TrackDuration.FromFrames(40) },
            "Tracking:ReportLostTracksFor = 40 frames: must not exceed LostTrackBuffer (30 frames)" },
    };

    [Theory]
    [MemberData(nameof(Invalid))]
    public void InvalidValue_GivesOneLineNamingKeyValueAndRange(TrackerOptions options, string message)
    {
        Assert.Equal([message], options.Validate());
        Assert.Equal(message, Assert.Throws<ArgumentException>(() => new ByteTracker(options, 30)).Message);
        Assert.Equal(message, Assert.Throws<ArgumentException>(() => new IouTracker(options, 30)).Message);
    }

    [Fact]
    public void SeveralInvalidValues_AreAllListed()
    {
        var errors = new TrackerOptions { MatchThreshold = 0, HitsToConfirm = -1 }.Validate();
        Assert.Equal(["Tracking:MatchThreshold = 0: must be in (0, 1]", "Tracking:HitsToConfirm = -1: must be at least 1"], errors);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(-25.0)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void BadFrameRate_IsRejectedWithItsValue(double fps)
    {
        var e = Assert.Throws<ArgumentException>(() => new ByteTracker(new TrackerOptions(), fps));
        Assert.Equal($"frameRate = {fps.ToString(System.Globalization.CultureInfo.InvariantCulture)}: must be a positive, finite number of frames per second", e.Message);
    }

    [Theory]
    [InlineData(30, TrackDurationUnit.Frames, 25.0, 30)]
    [InlineData(1.0, TrackDurationUnit.Seconds, 25.0, 25)]
    [InlineData(2.0, TrackDurationUnit.Seconds, 29.97, 60)]
    [InlineData(0.5, TrackDurationUnit.Seconds, 15.0, 8)]
    public void TrackDuration_ToFrames(double value, TrackDurationUnit unit, double fps, int frames) =>
        Assert.Equal(frames, new TrackDuration(value, unit).ToFrames(fps));
}
