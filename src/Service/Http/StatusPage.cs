using System.Net;
using System.Text;

namespace MaskStream.Service.Http;

/// <summary>
/// The page at <c>/</c>: each camera's live annotated picture with its status and figures. Self-contained (no
/// external scripts, styles or fonts), since the service often runs where nothing outside can be reached. Each
/// picture starts as <c>snapshot.jpg</c>, so the page is complete when it loads (and a screenshot shows it); the
/// script then swaps in the MJPEG stream once its first frame has arrived, and refreshes the figures every second.
/// </summary>
internal static class StatusPage
{
    public static string Render(ServiceStatus status)
    {
        var cards = new StringBuilder();
        foreach (var c in status.Monitor.Cameras)
        {
            var id = WebUtility.HtmlEncode(c.Id);
            var path = "/cameras/" + Uri.EscapeDataString(c.Id);
            cards.Append($"""
                <section class="camera" data-id="{id}">
                  <h2>{id} <span class="state{(c.Online ? " online" : "")}">{(c.Online ? "online" : "offline")}</span></h2>
                  <img class="view" src="{path}/snapshot.jpg" data-stream="{path}/stream.mjpg" alt="camera {id}">
                  <p class="figures">&nbsp;</p>
                  <p class="error"></p>
                </section>

                """);
        }
        return Template.Replace("{{cards}}", cards.ToString(), StringComparison.Ordinal)
            .Replace("{{version}}", WebUtility.HtmlEncode(typeof(StatusPage).Assembly.GetName().Version?.ToString(3) ?? ""), StringComparison.Ordinal);
    }

    private const string Template = """
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <title>MaskStream</title>
        <style>
          body { font: 14px system-ui, sans-serif; margin: 16px; background: #f4f4f4; color: #222; }
          header { margin-bottom: 12px; } header span { color: #666; }
          .camera { display: inline-block; vertical-align: top; background: #fff; border: 1px solid #ddd; padding: 8px; margin: 0 12px 12px 0; }
          .camera h2 { font-size: 16px; margin: 0 0 6px 0; }
          .state { font-size: 12px; padding: 1px 6px; border-radius: 3px; background: #c33; color: #fff; }
          .state.online { background: #2a7; }
          .view { display: block; image-rendering: auto; }
          .figures { margin: 6px 0 0 0; font-variant-numeric: tabular-nums; }
          .error { margin: 2px 0 0 0; color: #c33; max-width: 640px; }
        </style>
        </head>
        <body>
        <header><strong>MaskStream</strong> <span>{{version}} · <a href="/metrics">metrics</a> · <a href="/healthz">healthz</a> · <a href="/readyz">readyz</a> · <span id="mqtt"></span></span></header>
        {{cards}}
        <script>
        "use strict";
        // Swap each snapshot for the MJPEG stream once the stream's first frame is there, so the picture never blanks.
        window.addEventListener("load", () => {
          for (const img of document.querySelectorAll("img.view")) {
            const live = new Image();
            live.className = "view";
            live.alt = img.alt;
            live.onload = () => { if (img.isConnected) img.replaceWith(live); };
            live.src = img.dataset.stream;
          }
        });
        async function refresh() {
          try {
            const r = await fetch("/cameras", { cache: "no-store" });
            const s = await r.json();
            for (const c of s.cameras) {
              const card = document.querySelector(`.camera[data-id="${CSS.escape(c.id)}"]`);
              if (!card) continue;
              const state = card.querySelector(".state");
              state.textContent = c.online ? "online" : "offline";
              state.classList.toggle("online", c.online);
              card.querySelector(".figures").textContent =
                `${c.fps.toFixed(1)} fps · ${c.tracks} tracks · ${c.frames_decoded} decoded · ${c.frames_processed} processed · ` +
                `${c.frames_published} published · ${c.frames_dropped} dropped · ${c.frames_failed} failed`;
              card.querySelector(".error").textContent = c.last_error ?? "";
            }
            if (s.mqtt) document.getElementById("mqtt").textContent =
              `MQTT ${s.mqtt.broker} ${s.mqtt.state}, ${s.mqtt.published} published, ${s.mqtt.dropped} dropped, outbox ${s.mqtt.outbox}`;
          } catch (e) { /* the service may be restarting; try again next tick */ }
        }
        refresh();
        setInterval(refresh, 1000);
        </script>
        </body>
        </html>
        """;
}
