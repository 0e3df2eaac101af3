using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text.Json;
using MaskStream.Service.Tests.Support;

namespace MaskStream.Service.Tests.Http;

/// <summary>
/// One real <c>maskstream run</c> shared by the endpoint tests: two live synthetic cameras of different sizes, the
/// embedded broker and the HTTP endpoint on free loopback ports, and OTLP (http/protobuf, every frame traced) into a
/// real HTTP listener that keeps what the exporter posts. Started by the first test that asks (the model comes from
/// the collection's fixture), stopped with SIGTERM at the end.
/// </summary>
public sealed class RunningService : IDisposable
{
    public static readonly (string Id, int Width, int Height)[] Cameras = [("front", 320, 240), ("back", 256, 192)];

    private readonly SemaphoreSlim _gate = new(1, 1);
    private ServiceProcess? _process;
    private HttpListener? _otlp;

    public HttpClient Client { get; } = new() { Timeout = TimeSpan.FromSeconds(60) };

    public string BaseUrl { get; private set; } = "";

    /// <summary>What the OTLP exporter posted: (path, content type, body).</summary>
    public ConcurrentQueue<(string Path, string? ContentType, byte[] Body)> OtlpRequests { get; } = new();

    /// <summary>Starts the service once, and waits until it is ready and every camera has a published frame.</summary>
    public async Task EnsureStartedAsync(string modelDir)
    {
        await _gate.WaitAsync();
        try
        {
            if (_process is not null)
                return;
            int otlpPort = ServiceProcess.FreePort(), httpPort = ServiceProcess.FreePort();
            _otlp = new HttpListener();
            _otlp.Prefixes.Add($"http://127.0.0.1:{otlpPort}/");
            _otlp.Start();
            _ = Task.Run(ReceiveOtlpAsync);
            BaseUrl = $"http://127.0.0.1:{httpPort}";
            var args = new List<string>
            {
                "run", $"--Detector:Model={modelDir}", $"--Mqtt:Port={ServiceProcess.FreePort()}", $"--Http:Url={BaseUrl}",
                $"--Telemetry:OtlpEndpoint=http://127.0.0.1:{otlpPort}", "--Telemetry:OtlpProtocol=HttpProtobuf",
                "--Telemetry:OtlpExportInterval=00:00:01", "--Telemetry:TraceSampleRatio=1",
            };
            for (int i = 0; i < Cameras.Length; i++)
            {
                args.Add($"--Cameras:{i}:Id={Cameras[i].Id}");
                args.Add($"--Cameras:{i}:Uri=synthetic://walkers?seed={i + 3}&size={Cameras[i].Width}x{Cameras[i].Height}&fps=10&people=3");
            }
            _process = new ServiceProcess(args);
            await _process.WaitForLineAsync("HTTP: ", TimeSpan.FromSeconds(90));
            await WaitAsync(async () => (await Client.GetAsync(BaseUrl + "/readyz")).StatusCode == HttpStatusCode.OK, "/readyz 200");
            await WaitAsync(async () =>
            {
                using var doc = JsonDocument.Parse(await Client.GetStringAsync(BaseUrl + "/cameras"));
                return doc.RootElement.GetProperty("cameras").EnumerateArray().All(c => c.GetProperty("frames_published").GetInt64() > 0);
            }, "a published frame on every camera");
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Polls <paramref name="condition"/> every 250 ms for at most 90 s.</summary>
    public async Task WaitAsync(Func<Task<bool>> condition, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            if (clock.Elapsed > TimeSpan.FromSeconds(90))
                throw new TimeoutException($"no {what} within 90 s:\n{_process?.StdOut}\n{_process?.StdErr}");
            await Task.Delay(250);
        }
    }

    private async Task ReceiveOtlpAsync()
    {
        while (_otlp is { IsListening: true } listener)
        {
            HttpListenerContext context;
            try
            {
                context = await listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }
            using var body = new MemoryStream();
            await context.Request.InputStream.CopyToAsync(body);
            OtlpRequests.Enqueue((context.Request.Url!.AbsolutePath, context.Request.ContentType, body.ToArray()));
            // An empty ExportMetricsServiceResponse / ExportTraceServiceResponse: accepted in full.
            context.Response.StatusCode = 200;
            context.Response.ContentType = "application/x-protobuf";
            context.Response.Close();
        }
    }

    public void Dispose()
    {
        if (_process is not null)
        {
            _process.Terminate();
            try
            {
                _process.WaitForExitAsync(TimeSpan.FromSeconds(30)).GetAwaiter().GetResult();
            }
            catch (TimeoutException)
            {
            }
            _process.Dispose();
        }
        _otlp?.Close();
        Client.Dispose();
        _gate.Dispose();
    }
}
