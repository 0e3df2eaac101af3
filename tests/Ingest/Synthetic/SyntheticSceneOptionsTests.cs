using MaskStream.Ingest;
using MaskStream.Ingest.Synthetic;

namespace MaskStream.Ingest.Tests.Synthetic;

public sealed class SyntheticSceneOptionsTests
{
    [Fact]
    public void Parse_SceneOnly_GivesDefaults()
    {
        var o = SyntheticSceneOptions.Parse("synthetic://walkers");
        Assert.Equal(new SyntheticSceneOptions(), o);
        Assert.Equal((640, 480, 30.0, 6.0, 1UL), (o.Width, o.Height, o.Fps, o.People, o.Seed));
    }

    [Fact]
    public void Parse_AllParameters_SetsEach()
    {
        var o = SyntheticSceneOptions.Parse(
            "synthetic://walkers?seed=7&size=320x240&fps=25&people=3.5&cars=0&dogs=2&occluders=5&noise=0&lighting=0.5&live=false&frames=90&start=1000");
        Assert.Equal(7UL, o.Seed);
        Assert.Equal((320, 240), (o.Width, o.Height));
        Assert.Equal(25, o.Fps);
        Assert.Equal(3.5, o.People);
        Assert.Equal((0.0, 2.0, 5, 0, 0.5), (o.Cars, o.Dogs, o.Occluders, o.Noise, o.Lighting));
        Assert.False(o.Live);
        Assert.Equal(90L, o.Frames);
        Assert.Equal(1000L, o.Start);
    }

    [Fact]
    public void ToUri_ParsesBackToEqualOptions()
    {
        var o = new SyntheticSceneOptions { Seed = 42, Width = 200, Height = 100, People = 2.5, Live = false, Frames = 10, Start = 3 };
        Assert.Equal(o, SyntheticSceneOptions.Parse(o.ToUri()));
    }

    [Theory]
    [InlineData("synthetic://walkers?size=0x480", "synthetic:// parameter 'size' = '0x480': expected WxH with 32 ≤ W,H ≤ 4096")]
    [InlineData("synthetic://walkers?size=640x5000", "synthetic:// parameter 'size' = '640x5000': expected WxH with 32 ≤ W,H ≤ 4096")]
    [InlineData("synthetic://walkers?size=640", "synthetic:// parameter 'size' = '640': expected WxH with 32 ≤ W,H ≤ 4096")]
    [InlineData("synthetic://walkers?fps=0", "synthetic:// parameter 'fps' = '0': expected a number with 1 ≤ fps ≤ 240")]
    [InlineData("synthetic://walkers?people=-1", "synthetic:// parameter 'people' = '-1': expected an average count with 0 ≤ people ≤ 64")]
    [InlineData("synthetic://walkers?seed=abc", "synthetic:// parameter 'seed' = 'abc': expected an integer with 0 ≤ seed ≤ 18446744073709551615")]
    [InlineData("synthetic://walkers?live=maybe", "synthetic:// parameter 'live' = 'maybe': expected true or false")]
    [InlineData("synthetic://walkers?noise=40", "synthetic:// parameter 'noise' = '40': expected an integer with 0 ≤ noise ≤ 32")]
    [InlineData("synthetic://walkers?frames=0", "synthetic:// parameter 'frames' = '0': expected a frame count ≥ 1")]
    public void Parse_BadValue_NamesParameterValueAndRule(string uri, string message)
    {
        var e = Assert.Throws<FormatException>(() => SyntheticSceneOptions.Parse(uri));
        Assert.Equal(message, e.Message);
    }

    [Fact]
    public void Parse_UnknownParameter_NamesItAndListsAllowed()
    {
        var e = Assert.Throws<FormatException>(() => SyntheticSceneOptions.Parse("synthetic://walkers?seed=1&speed=3"));
        Assert.Equal(
            "synthetic:// parameter 'speed' is not known: expected one of seed, size, fps, people, cars, dogs, occluders, noise, lighting, live, frames, start",
            e.Message);
    }

    [Theory]
    [InlineData("walkers?seed=1")]
    [InlineData("synthetic:/walkers")]
    [InlineData("http://walkers")]
    public void Parse_NotSyntheticScheme_SaysMalformedAndShowsForm(string uri)
    {
        var e = Assert.Throws<FormatException>(() => SyntheticSceneOptions.Parse(uri));
        Assert.StartsWith($"synthetic:// URI '{uri}' is malformed: expected synthetic://walkers?name=value&name=value", e.Message);
    }

    [Fact]
    public void Parse_PairWithoutValue_SaysMalformedAtThatPair()
    {
        var e = Assert.Throws<FormatException>(() => SyntheticSceneOptions.Parse("synthetic://walkers?seed=1&people"));
        Assert.StartsWith("synthetic:// URI 'synthetic://walkers?seed=1&people' is malformed at 'people': expected name=value pairs", e.Message);
    }

    [Fact]
    public void Parse_RepeatedParameter_NamesIt()
    {
        var e = Assert.Throws<FormatException>(() => SyntheticSceneOptions.Parse("synthetic://walkers?seed=1&seed=2"));
        Assert.Equal("synthetic:// parameter 'seed' is given twice: give it once", e.Message);
    }

    [Fact]
    public void Parse_UnknownScene_NamesSceneAndAllowed()
    {
        var e = Assert.Throws<FormatException>(() => SyntheticSceneOptions.Parse("synthetic://beach?seed=1"));
        Assert.Equal("synthetic:// scene 'beach' is not known: expected walkers", e.Message);
    }

    [Fact]
    public void Validate_ImpossibleSizeInCode_NamesSize()
    {
        var e = Assert.Throws<FormatException>(() => new SyntheticSceneOptions { Width = 16 }.Validate());
        Assert.Equal("synthetic:// parameter 'size' = '16x480': expected WxH with 32 ≤ W,H ≤ 4096", e.Message);
    }

    [Fact]
    public void FrameSourceFactory_UnsupportedScheme_NamesCameraAndSupportedSchemes()
    {
        var e = Assert.Throws<FrameSourceException>(() => FrameSourceFactory.Open("cam", "rtps://user:pw@cam/1"));
        Assert.Equal("camera 'cam': cannot open 'rtps://user:***@cam/1': supported are synthetic://, a file path or file://, /dev/videoN or usb://N, rtsp://, rtsps://, http://, https://, udp://, tcp://, rtmp://, rtmps://, srt://", e.Message);
    }

    [Fact]
    public void FrameSourceFactory_BadSyntheticParameter_NamesCameraAndParameter()
    {
        var e = Assert.Throws<FrameSourceException>(() => FrameSourceFactory.Open("cam", "synthetic://walkers?size=0x480"));
        Assert.Equal("camera 'cam': synthetic:// parameter 'size' = '0x480': expected WxH with 32 ≤ W,H ≤ 4096", e.Message);
    }
}
