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

    /// <exception cref="ConfigurationException">The first bad value.</exception>
    public void Validate()
    {
        if (InstanceId.Length > 0 && Topics.CheckCameraId(InstanceId) is { } problem)
            throw new ConfigurationException($"{Section}:InstanceId", InstanceId, $"becomes an MQTT topic level, so it {problem}");
        if (FrameQueue is < 1 or > 1024)
            throw new ConfigurationException($"{Section}:FrameQueue", FrameQueue.ToString(CultureInfo.InvariantCulture), "must be in 1..1024");
        if (ShutdownTimeout <= TimeSpan.Zero || ShutdownTimeout > TimeSpan.FromMinutes(1))
            throw new ConfigurationException($"{Section}:ShutdownTimeout", ShutdownTimeout.ToString(), "must be above 0 and at most 00:01:00");
        if (StartDelay < TimeSpan.Zero || StartDelay > TimeSpan.FromMinutes(10))
            throw new ConfigurationException($"{Section}:StartDelay", StartDelay.ToString(), "must be in 00:00:00..00:10:00");
    }
}
