using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using MaskStream.Ingest.Supervision;
using MaskStream.Ingest.Tests.Support;
using static MaskStream.Ingest.Tests.Streams.TestStreams;

namespace MaskStream.Ingest.Tests.Streams;

/// <summary>HTTP streams: MPEG-TS and MJPEG served by a real ffmpeg (<c>-listen 1</c>), and a server that accepts
/// and then says nothing.</summary>
public sealed class HttpStreamTests
{
    [Theory]
    [InlineData("mpegts", "mpeg2video", "live.ts")]
    [InlineData("mpjpeg", "mjpeg", "live.mjpg")]
    public async Task Http_ServedByFfmpeg_FramesArrive(string format, string codec, string path)
    {
        int port = ServingProcess.FreeTcpPort();
        var url = $"http://127.0.0.1:{port}/{path}";
        using var server = ServingProcess.Ffmpeg(url, format, codec, outputOptions: ["-listen", "1"]);
        await using var reader = new BackgroundReader(Supervised("http", url, Quick));

        await reader.WaitForFramesAsync(10, Long);

        Assert.All(reader.Frames, f => Assert.Equal((160, 120), (f.Width, f.Height)));
    }

    [Fact]
    public async Task Stall_ServerAcceptsAndSendsNothing_GivenUpWithinOpenTimeoutAndRetried()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var held = new ConcurrentQueue<TcpClient>();
        using var accepting = new CancellationTokenSource();
        var accept = Task.Run(async () =>
        {
            try
            {
                while (true)
                    held.Enqueue(await listener.AcceptTcpClientAsync(accepting.Token));
            }
            catch (OperationCanceledException)
            {
            }
        });
        var url = $"http://127.0.0.1:{port}/silent";
        var reader = new BackgroundReader(Supervised("silent", url, Quick with { OpenTimeout = TimeSpan.FromSeconds(1.5) }));
        try
        {
            var first = await reader.WaitForAsync(s => s.State == SourceState.Reconnecting && s.LastError is not null, Long, "the stall");
            Assert.Equal($"{url}: no frame within 1.5 s of opening (OpenTimeout); reconnecting", first.LastError);
            await reader.WaitForAsync(s => s.Reconnects >= 2 && held.Count >= 2, Long, "a second connection");
        }
        finally
        {
            await reader.DisposeAsync();
            await accepting.CancelAsync();
            await accept;
            foreach (var c in held) c.Dispose();
        }

        Assert.True(reader.Processes.Count >= 2, reader.Describe());
        Assert.All(reader.Processes, pid => Assert.False(ChildProcesses.Exists(pid), $"ffmpeg {pid} was left behind"));
        Assert.Empty(reader.Frames);
    }
}
