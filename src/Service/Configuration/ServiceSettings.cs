using System.Globalization;
using MaskStream.Publish;

namespace MaskStream.Service.Configuration;

/// <summary>The <c>Service</c> section: who this instance is and how its pipeline queues and stops.</summary>
public sealed record ServiceSettings
{
    public const string Section = "Service";

    /// <summary>Names this instance on the service status topic; empty = the machine name (and the plain topic).</summary>
    public string InstanceId { get; init; } = "";

    /// <summary>Frames queued per camera between its reader and the detector. Live cameras drop the oldest beyond
    /// this (each queued frame adds a frame interval of latency when the detector is behind); files and other finite
    /// sources wait.</summary>
    public int FrameQueue { get; init; } = 2;

    /// <summary>How long a stop may take to drain frames in flight and flush the MQTT outbox.</summary>
    public TimeSpan ShutdownTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Wait this long after the broker is up before opening cameras, so that subscribers of the embedded
    /// broker (which starts with the service) see the first frames. 0 by default.</summary>
    public TimeSpan StartDelay { get; init; } = TimeSpan.Zero;

    /// <summary>A file that receives every objects message as a JSON line as well (the MQTT payload, one frame per line),
    /// created or truncated at start; empty = none.</summary>
    public string Jsonl { get; init; } = "";

    /// <exception cref="ConfigurationException">The first bad value.</exception>
    public void Validate()
    {
        if (InstanceId.Length > 0 && Topics.CheckCameraId(InstanceId) is { } problem)
            throw new ConfigurationException($"{Section}:InstanceId", InstanceId, $"becomes an MQTT topic level, so it {problem}");
        if (FrameQueue is < 1 or > 1024)
            throw new ConfigurationException($"{Section}:FrameQueue", FrameQueue.ToString(CultureInfo.InvariantCulture), "must be in 1..1024");
        if (ShutdownTimeout <= TimeSpan.Zero || ShutdownTimeout > TimeSpan.FromMinutes(1))
            throw new ConfigurationException($"{Section}:ShutdownTimeout", ShutdownTimeout.ToString(), "must be above 0 and at most 00:01:00");
        if (Jsonl.Length > 0 && CheckWritable(Jsonl) is { } jsonlProblem)
            throw new ConfigurationException($"{Section}:Jsonl", Jsonl, jsonlProblem);
        if (StartDelay < TimeSpan.Zero || StartDelay > TimeSpan.FromMinutes(10))
            throw new ConfigurationException($"{Section}:StartDelay", StartDelay.ToString(), "must be in 00:00:00..00:10:00");
    }

    /// <summary>Creates (or truncates) the file, with its folder, so a path that cannot be written fails at start.</summary>
    private static string? CheckWritable(string path)
    {
        try
        {
            var folder = Path.GetDirectoryName(Path.GetFullPath(path));
            if (folder is not null)
                Directory.CreateDirectory(folder);
            using var _ = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read);
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException or ArgumentException)
        {
            return $"a file that can be written: {e.Message}";
        }
    }
}
