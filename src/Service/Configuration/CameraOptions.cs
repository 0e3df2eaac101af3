using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;

namespace MaskStream.Service.Configuration;

/// <summary>One camera: <c>Cameras:N:Id</c> (its MQTT topic segment) and <c>Cameras:N:Uri</c>.</summary>
public sealed record CameraOptions(string Id, string Uri)
{
    /// <summary>Ids become MQTT topic segments and metric labels: no wildcards, separators or spaces.</summary>
    private static readonly Regex IdPattern = new("^[A-Za-z0-9_.-]{1,64}$", RegexOptions.CultureInvariant);

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
            string idKey = $"Cameras:{child.Key}:Id", uriKey = $"Cameras:{child.Key}:Uri";
            var id = child["Id"];
            var uri = child["Uri"];
            if (string.IsNullOrWhiteSpace(id))
                throw new ConfigurationException(idKey, id, "a camera id is required (letters, digits, '_', '-', '.'; at most 64)");
            if (!IdPattern.IsMatch(id))
                throw new ConfigurationException(idKey, id, "letters, digits, '_', '-', '.'; at most 64 characters");
            if (!seen.Add(id))
                throw new ConfigurationException(idKey, id, "camera ids must be unique");
            if (string.IsNullOrWhiteSpace(uri))
                throw new ConfigurationException(uriKey, uri, "a stream URI (synthetic://, a file path, rtsp://, ...)");
            cameras.Add(new CameraOptions(id, uri));
        }
        if (cameras.Count == 0)
            throw new ConfigurationException("Cameras", null, "at least one camera with Id and Uri");
        return cameras;
    }
}
