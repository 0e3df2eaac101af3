namespace MaskStream.Publish;

/// <summary>The topic tree (docs/MQTT.md). Camera topics never carry the instance id, so consumers
/// subscribe to <c>{prefix}/+/objects</c> whichever instance owns a camera.</summary>
public sealed class Topics
{
    /// <summary>The second level <c>service</c> holds service status, so no camera may take that id.</summary>
    public const string ServiceLevel = "service";

    public Topics(string prefix, string? instanceId)
    {
        if (CheckLevels(prefix) is { } problem)
            throw new ArgumentException($"topic prefix '{prefix}': {problem}", nameof(prefix));
        if (instanceId is not null && CheckLevel(instanceId) is { } idProblem)
            throw new ArgumentException($"instance id '{instanceId}': {idProblem}", nameof(instanceId));
        Prefix = prefix;
        ServiceStatus = instanceId is null ? $"{prefix}/{ServiceLevel}/status" : $"{prefix}/{ServiceLevel}/{instanceId}/status";
    }

    public string Prefix { get; }

    /// <summary><c>{prefix}/service/status</c>, or <c>{prefix}/service/{instanceId}/status</c> when <c>Service:InstanceId</c> is set.</summary>
    public string ServiceStatus { get; }

    public string Objects(string camera) => $"{Prefix}/{CheckCamera(camera)}/objects";
    public string CameraStatus(string camera) => $"{Prefix}/{CheckCamera(camera)}/status";
    public string Events(string camera) => $"{Prefix}/{CheckCamera(camera)}/events";

    /// <summary>Why <paramref name="camera"/> cannot be a topic level, or null when it can.</summary>
    public static string? CheckCameraId(string camera) =>
        camera == ServiceLevel ? $"'{ServiceLevel}' is reserved for service status topics" : CheckLevel(camera);

    /// <summary>Why <paramref name="prefix"/> (one or more '/'-separated levels) cannot start our topics, or null.</summary>
    public static string? CheckLevels(string? prefix)
    {
        if (string.IsNullOrEmpty(prefix))
            return "must not be empty";
        foreach (var level in prefix.Split('/'))
        {
            if (CheckLevel(level) is { } problem)
                return problem;
        }
        return null;
    }

    private static string? CheckLevel(string level)
    {
        if (level.Length == 0)
            return "must not have an empty level (no leading, trailing or double '/')";
        if (level.AsSpan().IndexOfAny("/+#\0") >= 0)
            return "must not contain '/', '+', '#' or NUL (MQTT wildcards)";
        if (level[0] == '$')
            return "must not start with '$' (reserved for broker topics)";
        return null;
    }

    private static string CheckCamera(string camera) =>
        CheckCameraId(camera) is { } problem ? throw new ArgumentException($"camera id '{camera}': {problem}", nameof(camera)) : camera;
}
