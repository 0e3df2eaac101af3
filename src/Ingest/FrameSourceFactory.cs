using MaskStream.Ingest.Synthetic;

namespace MaskStream.Ingest;

/// <summary>A camera URI that cannot be opened: the message names the camera and the problem.</summary>
public sealed class FrameSourceException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>Opens the frame source a camera URI names.</summary>
public static class FrameSourceFactory
{
    /// <summary>Schemes this build can open. File, USB and network sources come with the service issue.</summary>
    public static readonly IReadOnlyList<string> SupportedSchemes = ["synthetic://"];

    /// <exception cref="FrameSourceException">The URI is malformed or names a scheme this build cannot open.</exception>
    public static IFrameSource Open(string cameraId, string uri)
    {
        ArgumentNullException.ThrowIfNull(uri);
        if (uri.StartsWith(SyntheticSceneOptions.Scheme, StringComparison.OrdinalIgnoreCase))
        {
            try
            {
                return new SyntheticFrameSource(SyntheticSceneOptions.Parse(uri), cameraId);
            }
            catch (FormatException e)
            {
                throw new FrameSourceException($"camera '{cameraId}': {e.Message}", e);
            }
        }
        throw new FrameSourceException(
            $"camera '{cameraId}': cannot open '{UriRedaction.Redact(uri)}': supported schemes are {string.Join(", ", SupportedSchemes)}");
    }
}

/// <summary>Removes passwords from URIs before they reach logs, status topics or error messages.</summary>
public static class UriRedaction
{
    /// <summary><c>rtsp://user:secret@host/x</c> → <c>rtsp://user:***@host/x</c>; other text unchanged.</summary>
    public static string Redact(string uri)
    {
        int scheme = uri.IndexOf("://", StringComparison.Ordinal);
        if (scheme < 0) return uri;
        int authorityStart = scheme + 3;
        int authorityEnd = uri.IndexOfAny(['/', '?', '#'], authorityStart);
        if (authorityEnd < 0) authorityEnd = uri.Length;
        int at = uri.LastIndexOf('@', authorityEnd - 1, authorityEnd - authorityStart);
        if (at < 0) return uri;
        int colon = uri.IndexOf(':', authorityStart, at - authorityStart);
        if (colon < 0) return uri;
        return string.Concat(uri.AsSpan(0, colon + 1), "***", uri.AsSpan(at));
    }
}
