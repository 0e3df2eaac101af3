using System.Text.Json;
using MaskStream.Ingest;
using MaskStream.Publish.Mqtt;
using MaskStream.Service.Configuration;
using MaskStream.Service.Telemetry;

namespace MaskStream.Service.Http;

/// <summary>The service as the HTTP endpoint reports it: readiness, and each camera's status and figures.</summary>
internal sealed class ServiceStatus(PipelineMonitor monitor, IReadOnlyList<CameraOptions> cameras, string modelDirectory)
{
    private volatile MqttPublisher? _publisher;

    public PipelineMonitor Monitor { get; } = monitor;

    public string ModelDirectory { get; } = modelDirectory;

    /// <summary>The MQTT publisher once it has started (null before).</summary>
    public MqttPublisher? Publisher
    {
        get => _publisher;
        set => _publisher = value;
    }

    /// <summary>Why the service is not ready (empty when it is): the pipeline not running, the broker not connected, no camera online.</summary>
    public List<string> NotReadyReasons()
    {
        var reasons = new List<string>();
        if (!Monitor.Running)
            reasons.Add("the pipeline is not running (starting or stopping)");
        if (_publisher is not { } publisher)
            reasons.Add("the MQTT publisher has not started");
        else if (publisher.State != PublisherState.Connected)
            reasons.Add($"MQTT broker {publisher.Broker} not connected{(publisher.LastError is { } e ? $": {e}" : "")}");
        if (!Monitor.Cameras.Any(c => c.Online))
            reasons.Add("no camera online" + string.Concat(Monitor.Cameras.Where(c => c.LastError is not null).Select(c => $"; {c.Id}: {c.LastError}")));
        return reasons;
    }

    /// <summary><c>"cameras": [{id, uri, online, fps, …}]</c>, the page's figures.</summary>
    public void WriteCameras(Utf8JsonWriter w)
    {
        w.WriteStartArray("cameras");
        for (int i = 0; i < Monitor.Cameras.Count; i++)
        {
            var c = Monitor.Cameras[i];
            w.WriteStartObject();
            w.WriteString("id", c.Id);
            w.WriteString("uri", UriRedaction.Redact(cameras[i].Uri));
            w.WriteBoolean("online", c.Online);
            w.WriteNumber("fps", c.Fps);
            w.WriteNumber("frames_decoded", c.Read);
            w.WriteNumber("frames_processed", c.Processed);
            w.WriteNumber("frames_published", c.Published);
            w.WriteNumber("frames_dropped", c.Dropped);
            w.WriteNumber("frames_failed", c.Failed);
            w.WriteNumber("objects", c.Objects);
            w.WriteNumber("tracks", c.Tracks);
            if (c.LastError is { } error)
                w.WriteString("last_error", error);
            else
                w.WriteNull("last_error");
            w.WriteEndObject();
        }
        w.WriteEndArray();
        if (_publisher is { } p)
        {
            w.WriteStartObject("mqtt");
            w.WriteString("broker", p.Broker);
            w.WriteString("state", p.State.ToString().ToLowerInvariant());
            w.WriteNumber("published", p.PublishedCount);
            w.WriteNumber("dropped", p.DroppedCount);
            w.WriteNumber("outbox", p.OutboxDepth);
            w.WriteEndObject();
        }
    }
}
