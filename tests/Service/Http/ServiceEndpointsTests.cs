using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using MaskStream.Service.Tests.Cli;
using MaskStream.Service.Tests.Support;
using OpenCvSharp;

namespace MaskStream.Service.Tests.Http;

/// <summary>The HTTP endpoint of a real running service (<see cref="RunningService"/>): probes, pictures, the page in
/// Debian's headless chromium. The metrics and OTLP parts are in Telemetry/ServiceEndpointsTests.Metrics.cs.</summary>
[Collection(ServiceModelCollection.Name)]
public sealed partial class ServiceEndpointsTests(DetectModelFixture model, RunningService service) : IClassFixture<RunningService>
{
    private async Task<HttpClient> ClientAsync()
    {
        await service.EnsureStartedAsync(model.ModelDir);
        return service.Client;
    }

    [Fact]
    public async Task Healthz_RunningPipeline_Returns200Ok()
    {
        var client = await ClientAsync();

        using var response = await client.GetAsync(service.BaseUrl + "/healthz");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("""{"status":"ok"}""", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Readyz_BrokerConnectedAndCamerasOnline_Returns200NamingTheModel()
    {
        var client = await ClientAsync();

        using var response = await client.GetAsync(service.BaseUrl + "/readyz");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("ready", doc.RootElement.GetProperty("status").GetString());
        Assert.Equal("connected", doc.RootElement.GetProperty("broker").GetString());
        Assert.Equal(RunningService.Cameras.Length, doc.RootElement.GetProperty("cameras_online").GetInt32());
        Assert.Equal(model.ModelDir, doc.RootElement.GetProperty("model").GetString());
    }

    [Fact]
    public async Task Snapshot_EachCamera_IsAJpegOfThatCamerasSize()
    {
        var client = await ClientAsync();

        foreach (var (id, width, height) in RunningService.Cameras)
        {
            using var response = await client.GetAsync($"{service.BaseUrl}/cameras/{id}/snapshot.jpg");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("image/jpeg", response.Content.Headers.ContentType?.MediaType);
            using var image = Cv2.ImDecode(await response.Content.ReadAsByteArrayAsync(), ImreadModes.Color);
            Assert.Equal((width, height), (image.Cols, image.Rows));
        }
    }

    [Fact]
    public async Task Stream_Mjpeg_YieldsSuccessiveJpegPartsOfTheCamerasSize()
    {
        var client = await ClientAsync();
        var (id, width, height) = RunningService.Cameras[0];

        using var response = await client.GetAsync($"{service.BaseUrl}/cameras/{id}/stream.mjpg", HttpCompletionOption.ResponseHeadersRead);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("multipart/x-mixed-replace", response.Content.Headers.ContentType?.MediaType);
        var boundary = response.Content.Headers.ContentType!.Parameters.Single(p => p.Name == "boundary").Value!;
        await using var body = await response.Content.ReadAsStreamAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        for (int part = 0; part < 2; part++)
        {
            var headers = await ReadPartHeadersAsync(body, timeout.Token);
            Assert.Equal($"--{boundary}", headers[0]);
            Assert.Contains("Content-Type: image/jpeg", headers);
            int length = int.Parse(headers.Single(h => h.StartsWith("Content-Length: ", StringComparison.Ordinal))["Content-Length: ".Length..],
                System.Globalization.CultureInfo.InvariantCulture);
            var jpeg = new byte[length];
            await body.ReadExactlyAsync(jpeg, timeout.Token);
            using var image = Cv2.ImDecode(jpeg, ImreadModes.Color);
            Assert.Equal((width, height), (image.Cols, image.Rows));
            await body.ReadExactlyAsync(new byte[2], timeout.Token); // the part's closing CRLF
        }
    }

    [Theory]
    [InlineData("snapshot.jpg")]
    [InlineData("stream.mjpg")]
    public async Task Picture_UnknownCamera_Returns404NamingItAndTheCameras(string picture)
    {
        var client = await ClientAsync();

        using var response = await client.GetAsync($"{service.BaseUrl}/cameras/side-door/{picture}");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("no camera 'side-door'; cameras: front, back\n", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Page_InHeadlessChromium_ShowsEachCamerasPicture()
    {
        var client = await ClientAsync();
        var dir = Directory.CreateTempSubdirectory("maskstream-page-");
        try
        {
            var png = Path.Combine(dir.FullName, "page.png");

            var (exit, output) = await RunChromiumAsync(dir.FullName, png, service.BaseUrl + "/");

            Assert.True(exit == 0 && File.Exists(png), $"chromium exited {exit}: {output}");
            using var screenshot = Cv2.ImRead(png, ImreadModes.Color);
            Assert.Equal((1000, 700), (screenshot.Cols, screenshot.Rows));
            foreach (var (id, width, height) in RunningService.Cameras)
            {
                // The walkers have moved on since the screenshot, but the scene is the same: the latest snapshot must
                // match a region of the screenshot at 1:1 closely.
                using var snapshot = Cv2.ImDecode(await client.GetByteArrayAsync($"{service.BaseUrl}/cameras/{id}/snapshot.jpg"), ImreadModes.Color);
                using var scores = new Mat();
                Cv2.MatchTemplate(screenshot, snapshot, scores, TemplateMatchModes.CCoeffNormed);
                Cv2.MinMaxLoc(scores, out _, out double best, out _, out Point at);
                Assert.True(best > 0.6, $"camera {id}: best match {best:0.000} at {at} in the screenshot");
            }
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    private static async Task<(int Exit, string Output)> RunChromiumAsync(string profile, string png, string url)
    {
        var info = new ProcessStartInfo("chromium")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in new[]
                 {
                     "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--force-device-scale-factor=1",
                     $"--user-data-dir={profile}", $"--screenshot={png}", "--window-size=1000,700", url,
                 })
            info.ArgumentList.Add(a);
        using var process = Process.Start(info) ?? throw new InvalidOperationException("could not start chromium (scripts/bootstrap installs it)");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("chromium did not take its screenshot within 120 s");
        }
        return (process.ExitCode, await stdout + await stderr);
    }

    /// <summary>The header lines of the next multipart part, up to the blank line (leading blank lines skipped).</summary>
    private static async Task<List<string>> ReadPartHeadersAsync(Stream body, CancellationToken ct)
    {
        var lines = new List<string>();
        var line = new StringBuilder();
        var one = new byte[1];
        while (true)
        {
            await body.ReadExactlyAsync(one, ct);
            if (one[0] == (byte)'\n')
            {
                var text = line.ToString().TrimEnd('\r');
                line.Clear();
                if (text.Length == 0)
                {
                    if (lines.Count > 0)
                        return lines;
                    continue;
                }
                lines.Add(text);
            }
            else
            {
                line.Append((char)one[0]);
            }
        }
    }
}
