using System.Globalization;
using System.Text.RegularExpressions;
using MaskStream.Ingest;
using Microsoft.Extensions.Configuration;

namespace MaskStream.Service.Configuration;

/// <summary>
/// One camera, <c>Cameras:N:…</c>: its id (the MQTT topic segment), its URI, and how it is read (docs/CAMERAS.md).
/// Pace and AtEnd apply to files; the time-outs, the reconnect backoff and the RTSP transport to live sources.
/// </summary>
public sealed record CameraOptions
{
    /// <summary>Ids become MQTT topic segments and metric labels: no wildcards, separators or spaces.</summary>
    private static readonly Regex IdPattern = new("^[A-Za-z0-9_.-]{1,64}$", RegexOptions.CultureInvariant);

    private static readonly TimeSpan LongestTimeout = TimeSpan.FromMinutes(10);

    public string Id { get; init; } = "";

    public string Uri { get; init; } = "";

    /// <summary>Files: <c>native</c> (at their own frame rate) or <c>fast</c> (as fast as the detector takes them).</summary>
    public FramePace Pace { get; init; } = SourceOptions.Default.Pace;

    /// <summary>Files: <c>stop</c> the camera at the end or <c>loop</c>.</summary>
    public EndOfStream AtEnd { get; init; } = SourceOptions.Default.AtEnd;

    /// <summary>Live sources: no frame for this long once online → kill and reconnect.</summary>
    public TimeSpan StallTimeout { get; init; } = SourceOptions.Default.StallTimeout;

    /// <summary>Live sources: no first frame this long after opening → give up and reconnect.</summary>
    public TimeSpan OpenTimeout { get; init; } = SourceOptions.Default.OpenTimeout;

    public TimeSpan ReconnectMin { get; init; } = SourceOptions.Default.ReconnectMin;

    public TimeSpan ReconnectMax { get; init; } = SourceOptions.Default.ReconnectMax;

    /// <summary>rtsp:// cameras: <c>tcp</c> (default) or <c>udp</c>.</summary>
    public RtspTransport RtspTransport { get; init; } = SourceOptions.Default.RtspTransport;

    public SourceOptions Source => new()
    {
        Pace = Pace,
        AtEnd = AtEnd,
        StallTimeout = StallTimeout,
        OpenTimeout = OpenTimeout,
        ReconnectMin = ReconnectMin,
        ReconnectMax = ReconnectMax,
        RtspTransport = RtspTransport,
    };

    /// <summary>
    /// Binds and validates the <c>Cameras</c> section. Throws <see cref="ConfigurationException"/>
    /// naming the key, the value and what is allowed.
    /// </summary>
    public static IReadOnlyList<CameraOptions> Bind(IConfiguration configuration)
    {
        var section = configuration.GetSection("Cameras");
        var cameras = new List<CameraOptions>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var child in section.GetChildren().OrderBy(c => int.TryParse(c.Key, out var i) ? i : int.MaxValue))
        {
            string prefix = $"Cameras:{child.Key}";
            var camera = SectionBinder.Bind<CameraOptions>(configuration, prefix);
            var id = camera.Id;
            if (string.IsNullOrWhiteSpace(id))
                throw new ConfigurationException($"{prefix}:Id", id, "a camera id is required (letters, digits, '_', '-', '.'; at most 64)");
            if (!IdPattern.IsMatch(id))
                throw new ConfigurationException($"{prefix}:Id", id, "letters, digits, '_', '-', '.'; at most 64 characters");
            if (!seen.Add(id))
                throw new ConfigurationException($"{prefix}:Id", id, "camera ids must be unique");
            if (string.IsNullOrWhiteSpace(camera.Uri))
                throw new ConfigurationException($"{prefix}:Uri", camera.Uri, "a stream URI (synthetic://, a file path, rtsp://, ...; docs/CAMERAS.md)");
            camera.Validate(prefix);
            cameras.Add(camera);
        }
        if (cameras.Count == 0)
            throw new ConfigurationException("Cameras", null, "at least one camera with Id and Uri");
        return cameras;
    }

    private void Validate(string prefix)
    {
        CheckSpan($"{prefix}:StallTimeout", StallTimeout, LongestTimeout);
        CheckSpan($"{prefix}:OpenTimeout", OpenTimeout, LongestTimeout);
        CheckSpan($"{prefix}:ReconnectMin", ReconnectMin, LongestTimeout);
        CheckSpan($"{prefix}:ReconnectMax", ReconnectMax, TimeSpan.FromHours(1));
        if (ReconnectMax < ReconnectMin)
            throw new ConfigurationException($"{prefix}:ReconnectMax", Format(ReconnectMax), $"must be at least ReconnectMin ({Format(ReconnectMin)})");
    }

    private static void CheckSpan(string key, TimeSpan value, TimeSpan max)
    {
        if (value <= TimeSpan.Zero || value > max)
            throw new ConfigurationException(key, Format(value), $"must be above 0 and at most {Format(max)}");
    }

    private static string Format(TimeSpan span) => span.ToString("c", CultureInfo.InvariantCulture);
}
