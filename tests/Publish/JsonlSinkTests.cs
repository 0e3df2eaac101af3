using System.Text.Json;
using MaskStream.Core.Masks;
using MaskStream.Publish.Payloads;
using MaskStream.Publish.Tests.Support;

namespace MaskStream.Publish.Tests;

public sealed class JsonlSinkTests
{
    [Fact]
    public async Task WritesOneSchemaValidLinePerFrame_SameJsonAsTheMqttPayload()
    {
        var folder = Directory.CreateTempSubdirectory("maskstream-jsonl-").FullName;
        try
        {
            var path = Path.Combine(folder, "out", "objects.jsonl");
            var boot = Guid.NewGuid();
            var time = new FixedTime(TestFrames.Epoch.AddSeconds(10));
            await using (var sink = new JsonlSink(path, new ObjectsEncoder(TestFrames.ClassNames, boot), time))
            {
                for (var i = 0; i < 100; i++)
                    await sink.WriteAsync(TestFrames.Make("door", i));
                Assert.Equal(100, sink.LinesWritten);
            }

            var lines = await File.ReadAllLinesAsync(path);
            var reference = new ObjectsEncoder(TestFrames.ClassNames, boot);
            var schema = JsonSchemaValidator.Load("objects.schema.json");
            Assert.Equal(100, lines.Length);
            for (var i = 0; i < lines.Length; i++)
            {
                Assert.Equal(System.Text.Encoding.UTF8.GetString(reference.Encode(TestFrames.Make("door", i), TestFrames.Epoch.AddSeconds(10))), lines[i]);
                Assert.Empty(schema.Validate(JsonDocument.Parse(lines[i]).RootElement));
            }
            var last = JsonSerializer.Deserialize(lines[99], PayloadJsonContext.Default.ObjectsMessage)!;
            Assert.Equal(TestFrames.PersonMask(99), RleMask.FromCompressedString(last.Objects[0].Mask!.Counts, TestFrames.Height, TestFrames.Width));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void UnwritablePath_NamesTheFile()
    {
        var e = Assert.Throws<IOException>(() => new JsonlSink("/proc/maskstream-no/x.jsonl", new ObjectsEncoder(TestFrames.ClassNames, Guid.Empty)));

        Assert.Contains("/proc/maskstream-no/x.jsonl", e.Message, StringComparison.Ordinal);
    }

    private sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
