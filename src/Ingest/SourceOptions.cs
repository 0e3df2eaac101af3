namespace MaskStream.Ingest;

/// <summary>How a file is read: at the rate it was recorded, or as fast as the pipeline takes frames.</summary>
public enum FramePace
{
    /// <summary>Frames leave at the file's own frame rate (a recording replayed as if it were a camera).</summary>
    Native,

    /// <summary>Frames leave as fast as they are read (offline processing, benchmarks).</summary>
    Fast,
}

/// <summary>What a file does when it runs out of frames.</summary>
public enum EndOfStream
{
    /// <summary>The camera ends cleanly.</summary>
    Stop,

    /// <summary>The file starts again; frame numbers and pts keep counting up.</summary>
    Loop,
}

/// <summary>How RTSP carries its RTP packets.</summary>
public enum RtspTransport
{
    /// <summary>Interleaved in the RTSP TCP connection: passes NAT and firewalls, loses nothing.</summary>
    Tcp,

    /// <summary>Separate UDP ports: lower latency on a clean LAN, loses packets (smeared frames) under load.</summary>
    Udp,
}

/// <summary>Per-camera reading options (<c>Cameras:N:…</c> in the service's configuration). Each source uses the
/// ones that apply to it: pace and end-of-file to files, the rest to live sources.</summary>
public sealed record SourceOptions
{
    public static readonly SourceOptions Default = new();

    public FramePace Pace { get; init; } = FramePace.Native;

    public EndOfStream AtEnd { get; init; } = EndOfStream.Stop;

    /// <summary>A live source that delivers no frame for this long once it is online is killed and reconnected.</summary>
    public TimeSpan StallTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How long opening a live source may take up to its first frame (an RTSP handshake, ffmpeg probing an
    /// MPEG-TS stream for up to 5 s) before it is given up and tried again.</summary>
    public TimeSpan OpenTimeout { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>First wait before reconnecting; it doubles after each failed attempt up to <see cref="ReconnectMax"/>.</summary>
    public TimeSpan ReconnectMin { get; init; } = TimeSpan.FromSeconds(1);

    public TimeSpan ReconnectMax { get; init; } = TimeSpan.FromSeconds(30);

    public RtspTransport RtspTransport { get; init; } = RtspTransport.Tcp;
}
