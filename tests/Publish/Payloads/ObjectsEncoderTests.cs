using System.Collections.Immutable;
using System.Text;
using System.Text.Json;
using MaskStream.Core.Frames;
using MaskStream.Core.Geometry;
using MaskStream.Core.Masks;
using MaskStream.Core.Objects;
using MaskStream.Publish.Payloads;
using MaskStream.Publish.Tests.Support;

namespace MaskStream.Publish.Tests.Payloads;

public sealed class ObjectsEncoderTests
{
    private static readonly Guid Boot = Guid.Parse("0f8fad5b-d9cb-469f-a165-70867728950e");

    [Fact]
    public void Encode_OneObjectWithMaskAndKeypoints_WritesTheDocumentedJson()
    {
        // 3x4 frame, mask = column 1, rows 0..1 → column-major runs [3 off, 2 on, 7 off].
        var mask = RleMask.FromCounts(3, 4, [3, 2, 7]);
        var detection = new Detection(1, 0.5f, new BoxF(1, 0, 2, 2), mask, [new Keypoint(1.5f, 0.25f, 0.75f)])
        {
            MaskScore = 0.375f,
            KeypointScore = 0.25f,
        };
        var info = new FrameInfo("door", 42, new DateTimeOffset(2025, 3, 1, 12, 0, 0, 500, TimeSpan.Zero), TimeSpan.FromSeconds(1.68), 4, 3);
        var frame = new TrackedFrame(info, [new TrackedObject(5, TrackState.Tracked, 9, detection)]);
        var encoder = new ObjectsEncoder(TestFrames.ClassNames, Boot);

        var json = Encoding.UTF8.GetString(encoder.Encode(frame, info.CaptureTime.AddMilliseconds(12.25)));

        Assert.Equal(
            "{\"camera\":\"door\",\"frame\":42,\"capture_time\":\"2025-03-01T12:00:00.5Z\",\"pts\":1.68,\"width\":4,\"height\":3," +
            "\"latency_ms\":12.25,\"boot_id\":\"0f8fad5b-d9cb-469f-a165-70867728950e\",\"objects\":[{\"class_id\":1,\"class\":\"person\"," +
            "\"score\":0.5,\"mask_score\":0.375,\"keypoint_score\":0.25,\"bbox\":[1,0,2,2],\"mask\":{\"size\":[3,4],\"counts\":\"" + mask.ToCompressedString() + "\"}," +
            "\"keypoints\":[[1.5,0.25,0.75]],\"track_id\":5,\"track_state\":\"tracked\",\"age\":9}]}",
            json);
    }

    [Fact]
    public void Encode_NoMaskNoKeypointsNoPts_OmitsMaskAndKeypointsAndWritesNullPts()
    {
        var detection = new Detection(9, 1f, new BoxF(0, 0, 1, 1), null, ImmutableArray<Keypoint>.Empty);
        var info = new FrameInfo("c", 0, TestFrames.Epoch, null, 8, 8);
        var frame = new TrackedFrame(info, [new TrackedObject(1, TrackState.New, 0, detection)]);
        var encoder = new ObjectsEncoder(TestFrames.ClassNames, Boot);

        using var doc = JsonDocument.Parse(encoder.Encode(frame, TestFrames.Epoch).ToArray());
        var obj = doc.RootElement.GetProperty("objects")[0];

        Assert.Equal(JsonValueKind.Null, doc.RootElement.GetProperty("pts").ValueKind);
        Assert.False(obj.TryGetProperty("mask", out _));
        Assert.False(obj.TryGetProperty("keypoints", out _));
        Assert.Equal("class_9", obj.GetProperty("class").GetString());
        Assert.Equal("new", obj.GetProperty("track_state").GetString());
        Assert.Empty(JsonSchemaValidator.Load("objects.schema.json").Validate(doc.RootElement));
    }

    [Fact]
    public void Encode_ReadBackWithTheSourceGeneratedContext_GivesTheFrameBack()
    {
        var frame = TestFrames.Make("gate", 3);
        var encoder = new ObjectsEncoder(TestFrames.ClassNames, Boot);

        var bytes = encoder.Encode(frame, TestFrames.Epoch.AddSeconds(1)).ToArray();
        var message = JsonSerializer.Deserialize(bytes, PayloadJsonContext.Default.ObjectsMessage)!;

        Assert.Empty(JsonSchemaValidator.Load("objects.schema.json").Validate(bytes));
        Assert.Equal("gate", message.Camera);
        Assert.Equal(3, message.Frame);
        Assert.Equal(frame.Info.CaptureTime.UtcDateTime, message.CaptureTime);
        Assert.Equal(0.12, message.Pts!.Value, 12);
        Assert.Equal(1000 - 120, message.LatencyMs, 9);
        Assert.Equal(Boot, message.BootId);
        Assert.Equal(2, message.Objects.Count);
        for (var i = 0; i < 2; i++)
        {
            var expected = frame.Objects[i];
            var got = message.Objects[i];
            Assert.Equal(expected.TrackId, got.TrackId);
            Assert.Equal(expected.Detection.ClassId, got.ClassId);
            Assert.Equal(TestFrames.ClassNames[expected.Detection.ClassId], got.Class);
            Assert.Equal(expected.Detection.Score, got.Score);
            Assert.Equal([expected.Detection.Box.X1, expected.Detection.Box.Y1, expected.Detection.Box.X2, expected.Detection.Box.Y2], got.Bbox);
            Assert.Equal([TestFrames.Height, TestFrames.Width], got.Mask!.Size);
            // The published RLE decodes to the very mask that was encoded.
            Assert.Equal(expected.Detection.Mask, RleMask.FromCompressedString(got.Mask.Counts, got.Mask.Size[0], got.Mask.Size[1]));
        }
        Assert.Equal([[9.5f, 8.25f, 0.5f], [10f, 20f, 0.25f]], message.Objects[0].Keypoints!);
        Assert.Null(message.Objects[1].Keypoints);
    }

    [Fact]
    public void Encode_SecondCallReusesTheBuffer_FirstResultMustBeCopiedBeforeIt()
    {
        var encoder = new ObjectsEncoder(TestFrames.ClassNames, Boot);
        var first = encoder.Encode(TestFrames.Make("a", 1), TestFrames.Epoch).ToArray();
        var second = encoder.Encode(TestFrames.Make("a", 2), TestFrames.Epoch).ToArray();

        Assert.Equal(1, JsonDocument.Parse(first).RootElement.GetProperty("frame").GetInt64());
        Assert.Equal(2, JsonDocument.Parse(second).RootElement.GetProperty("frame").GetInt64());
    }

    [Fact]
    public void Encode_SteadyState_AllocatesLittleBeyondTheMaskStrings()
    {
        var encoder = new ObjectsEncoder(TestFrames.ClassNames, Boot);
        var frame = TestFrames.Make("a", 1);
        for (var i = 0; i < 10; i++)
            encoder.Encode(frame, TestFrames.Epoch);
        var maskStrings = frame.Objects.Sum(o => (long)(o.Detection.Mask!.ToCompressedString().Length * 2 + 32));

        var before = GC.GetAllocatedBytesForCurrentThread();
        encoder.Encode(frame, TestFrames.Epoch);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        // The two compressed mask strings are the only per-frame objects (plus their char buffers inside the codec).
        Assert.True(allocated <= 4 * maskStrings + 512, $"allocated {allocated} bytes, mask strings {maskStrings}");
    }
}
