using System.Text.Json;

namespace MaskStream.Integration.Tests.Support;

/// <summary>The repository's appsettings.json: what the service runs with no arguments.</summary>
internal static class DefaultSettings
{
    /// <summary>The first camera's id and URI (the synthetic scene).</summary>
    public static (string Id, string Uri) Camera()
    {
        using var settings = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepositoryRoot.Path, "appsettings.json")),
            new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        var camera = settings.RootElement.GetProperty("Cameras")[0];
        return (camera.GetProperty("Id").GetString()!, camera.GetProperty("Uri").GetString()!);
    }
}
