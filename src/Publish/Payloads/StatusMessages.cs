namespace MaskStream.Publish.Payloads;

/// <summary>Retained on <c>{prefix}/{camera}/status</c> (docs/schema/camera-status.schema.json).</summary>
/// <param name="State">connecting | online | reconnecting | offline.</param>
/// <param name="Fps">Frames processed per second over the last reporting window.</param>
/// <param name="LastError">The camera's last problem (passwords in URLs redacted), null when none.</param>
/// <param name="InstanceId">The service instance that owns the camera.</param>
/// <param name="Reconnects">How many times the camera was reconnected (or retried) since the service started.</param>
public sealed record CameraStatusMessage(
    string Camera,
    string State,
    double Fps,
    string? LastError,
    string InstanceId,
    DateTime Time,
    int Reconnects = 0);

/// <summary>Retained on the service status topic; the same payload with <c>offline</c> is the last will
/// (docs/schema/service-status.schema.json).</summary>
/// <param name="State">online | offline.</param>
/// <param name="Reason">Why offline: <c>shutdown</c> (clean stop) or <c>connection_lost</c> (the last will).</param>
public sealed record ServiceStatusMessage(
    string InstanceId,
    string State,
    string? Reason,
    Guid BootId,
    string Version,
    DateTime Time);

/// <summary>On <c>{prefix}/{camera}/events</c> when a track starts or ends (docs/schema/track-event.schema.json).</summary>
/// <param name="Event">track_start | track_end.</param>
/// <param name="Frame">The frame where the track was first confirmed (start) or last seen (end).</param>
/// <param name="Age">Frames the track had lived at that frame.</param>
public sealed record TrackEventMessage(
    string Camera,
    string Event,
    long TrackId,
    int ClassId,
    string Class,
    long Frame,
    DateTime Time,
    int Age,
    Guid BootId);

public static class StatusStates
{
    public const string Online = "online";
    public const string Offline = "offline";

    /// <summary>A camera opening for the first time, no frame yet.</summary>
    public const string Connecting = "connecting";

    /// <summary>A live camera that was lost, stalled or could not be opened, waiting to try again or trying.</summary>
    public const string Reconnecting = "reconnecting";
}

public static class TrackEvents
{
    public const string Start = "track_start";
    public const string End = "track_end";
}
