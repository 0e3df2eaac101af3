using System.Globalization;
using System.Text;
using System.Text.Json;
using MaskStream.Publish.Mqtt;
using MaskStream.Service.Configuration;
using MaskStream.Service.Telemetry;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace MaskStream.Service.Http;

/// <summary>
/// The one HTTP endpoint: <c>/metrics</c> (Prometheus, mapped by the caller), <c>/healthz</c>, <c>/readyz</c>, the
/// page at <c>/</c>, <c>/cameras</c> (the page's figures as JSON), and per camera <c>snapshot.jpg</c> and
/// <c>stream.mjpg</c>.
/// </summary>
internal static class ServiceEndpoints
{
    private const string Boundary = "maskstream-frame";

    /// <summary>How long a snapshot waits for a fresh picture of a camera nobody was watching: the frame in the
    /// detector when the request came, plus the next one (one frame interval on an idle machine, seconds on a busy one).</summary>
    private static readonly TimeSpan SnapshotWait = TimeSpan.FromSeconds(30);

    public static void Map(IEndpointRouteBuilder app, ServiceStatus status, LiveView view, HttpSettings settings)
    {
        var stopping = app.ServiceProvider.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;
        app.MapGet("/healthz", (HttpContext c) => HealthAsync(c, status, settings));
        app.MapGet("/readyz", (HttpContext c) => ReadyAsync(c, status));
        app.MapGet("/", (HttpContext c) =>
        {
            c.Response.ContentType = "text/html; charset=utf-8";
            c.Response.Headers.CacheControl = "no-store";
            return c.Response.WriteAsync(StatusPage.Render(status), c.RequestAborted);
        });
        app.MapGet("/cameras", (HttpContext c) => WriteJsonAsync(c, StatusCodes.Status200OK, w => status.WriteCameras(w)));
        app.MapGet("/cameras/{id}/snapshot.jpg", (HttpContext c) => SnapshotAsync(c, view));
        app.MapGet("/cameras/{id}/stream.mjpg", (HttpContext c) => StreamAsync(c, view, settings.StreamMaxFps, stopping));
    }

    private static Task HealthAsync(HttpContext c, ServiceStatus status, HttpSettings settings)
    {
        var wedged = status.Monitor.Wedged(settings.WedgedAfter);
        return WriteJsonAsync(c, wedged is null ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable, w =>
        {
            w.WriteString("status", wedged is null ? "ok" : "wedged");
            if (wedged is not null)
                w.WriteString("reason", wedged);
        });
    }

    private static Task ReadyAsync(HttpContext c, ServiceStatus status)
    {
        var reasons = status.NotReadyReasons();
        return WriteJsonAsync(c, reasons.Count == 0 ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable, w =>
        {
            w.WriteString("status", reasons.Count == 0 ? "ready" : "not_ready");
            if (reasons.Count > 0)
                w.WriteString("reason", string.Join("; ", reasons));
            w.WriteString("model", status.ModelDirectory);
            w.WriteString("broker", status.Publisher?.State == PublisherState.Connected ? "connected" : "not_connected");
            w.WriteNumber("cameras_online", status.Monitor.Cameras.Count(cam => cam.Online));
        });
    }

    private static async Task SnapshotAsync(HttpContext c, LiveView view)
    {
        if (Camera(c, view) is not { } camera)
        {
            await UnknownCameraAsync(c, view).ConfigureAwait(false);
            return;
        }
        bool fresh = camera.Watched;
        long seen = camera.Version;
        camera.Touch();
        // A camera nobody watched has no picture, or an old one: wait for the next frame (or keep the old one of a
        // camera that stopped).
        if (!fresh || seen == 0)
            await camera.WaitNewerAsync(seen, SnapshotWait, c.RequestAborted).ConfigureAwait(false);
        if (await camera.JpegAsync(c.RequestAborted).ConfigureAwait(false) is not { } picture)
        {
            c.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            c.Response.ContentType = "text/plain; charset=utf-8";
            await c.Response.WriteAsync(string.Create(CultureInfo.InvariantCulture,
                $"camera '{camera.Id}' has no frame yet (waited {SnapshotWait.TotalSeconds:0} s)\n"), c.RequestAborted).ConfigureAwait(false);
            return;
        }
        c.Response.ContentType = "image/jpeg";
        c.Response.Headers.CacheControl = "no-store";
        c.Response.ContentLength = picture.Jpeg.Length;
        await c.Response.Body.WriteAsync(picture.Jpeg, c.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>multipart/x-mixed-replace: one JPEG part per new picture, at most <paramref name="maxFps"/> a second,
    /// until the viewer leaves or the service stops.</summary>
    private static async Task StreamAsync(HttpContext c, LiveView view, double maxFps, CancellationToken stopping)
    {
        if (Camera(c, view) is not { } camera)
        {
            await UnknownCameraAsync(c, view).ConfigureAwait(false);
            return;
        }
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(c.RequestAborted, stopping);
        var ct = linked.Token;
        using var watch = camera.Watch();
        c.Response.ContentType = $"multipart/x-mixed-replace; boundary={Boundary}";
        c.Response.Headers.CacheControl = "no-store";
        var interval = TimeSpan.FromSeconds(1 / maxFps);
        long sent = 0;
        var body = c.Response.Body;
        try
        {
            await c.Response.StartAsync(ct).ConfigureAwait(false);
            while (!ct.IsCancellationRequested)
            {
                if (!await camera.WaitNewerAsync(sent, TimeSpan.FromSeconds(30), ct).ConfigureAwait(false))
                    continue;
                long started = System.Diagnostics.Stopwatch.GetTimestamp();
                if (await camera.JpegAsync(ct).ConfigureAwait(false) is not { } picture)
                    continue;
                var header = Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture,
                    $"--{Boundary}\r\nContent-Type: image/jpeg\r\nContent-Length: {picture.Jpeg.Length}\r\n\r\n"));
                await body.WriteAsync(header, ct).ConfigureAwait(false);
                await body.WriteAsync(picture.Jpeg, ct).ConfigureAwait(false);
                await body.WriteAsync("\r\n"u8.ToArray(), ct).ConfigureAwait(false);
                await body.FlushAsync(ct).ConfigureAwait(false);
                sent = picture.Version;
                var left = interval - System.Diagnostics.Stopwatch.GetElapsedTime(started);
                if (left > TimeSpan.Zero)
                    await Task.Delay(left, ct).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (IOException)
        {
            // The viewer went away mid-write.
        }
    }

    private static CameraView? Camera(HttpContext c, LiveView view) =>
        c.Request.RouteValues["id"] is string id && view.TryGet(id, out var camera) ? camera : null;

    private static Task UnknownCameraAsync(HttpContext c, LiveView view)
    {
        c.Response.StatusCode = StatusCodes.Status404NotFound;
        c.Response.ContentType = "text/plain; charset=utf-8";
        var id = c.Request.RouteValues["id"] as string;
        return c.Response.WriteAsync($"no camera '{id}'; cameras: {string.Join(", ", view.Ids)}\n", c.RequestAborted);
    }

    private static async Task WriteJsonAsync(HttpContext c, int statusCode, Action<Utf8JsonWriter> write)
    {
        c.Response.StatusCode = statusCode;
        c.Response.ContentType = "application/json; charset=utf-8";
        c.Response.Headers.CacheControl = "no-store";
        await using var writer = new Utf8JsonWriter(c.Response.BodyWriter);
        writer.WriteStartObject();
        write(writer);
        writer.WriteEndObject();
        await writer.FlushAsync(c.RequestAborted).ConfigureAwait(false);
    }
}
