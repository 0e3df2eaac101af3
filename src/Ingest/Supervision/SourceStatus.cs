namespace MaskStream.Ingest.Supervision;

/// <summary>Where a supervised live source stands.</summary>
public enum SourceState
{
    /// <summary>First attempt to open the stream, no frame yet.</summary>
    Connecting,

    /// <summary>Frames flow.</summary>
    Online,

    /// <summary>The stream was lost, stalled or could not be opened; waiting (backoff) or trying again.</summary>
    Reconnecting,

    /// <summary>Reading ended (the service stops).</summary>
    Stopped,
}

/// <param name="LastError">The latest problem, passwords redacted; kept after the source comes back, null when none yet.</param>
/// <param name="Reconnects">How many times the source was reconnected (or retried) since it was opened.</param>
public readonly record struct SourceStatus(SourceState State, string? LastError, int Reconnects);
