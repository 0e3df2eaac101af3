using System.Globalization;
using System.Text.RegularExpressions;
using MaskStream.Ingest.Capture;
using MaskStream.Ingest.Streams;
using MaskStream.Ingest.Supervision;
using MaskStream.Ingest.Synthetic;

namespace MaskStream.Ingest;

/// <summary>A camera URI that cannot be opened: the message names the camera and the problem.</summary>
public sealed class FrameSourceException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>Opens the frame source a camera URI names.</summary>
public static class FrameSourceFactory
{
    /// <summary>What a camera URI may be (docs/CAMERAS.md).</summary>
    public static readonly IReadOnlyList<string> SupportedSchemes =
    [
        "synthetic://", "a file path or file://", "/dev/videoN or usb://N",
        .. FfmpegCommand.Schemes.Select(s => s + "://"),
    ];

    /// <summary>
    /// Opens a camera. Files are opened at once (a missing file fails here) and are not live. USB cameras and network
    /// streams are live and come wrapped in a <see cref="SupervisedSource"/>, which opens them when read and keeps
    /// reconnecting; only a malformed URI fails here.
    /// </summary>
    /// <exception cref="FrameSourceException">The URI is malformed, names a scheme this build cannot open, or a file
    /// that cannot be read; the message names the camera, with any password redacted.</exception>
    public static IFrameSource Open(string cameraId, string uri, SourceOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(uri);
        options ??= SourceOptions.Default;
        try
        {
            return OpenSource(cameraId, uri.Trim(), options);
        }
        catch (FormatException e)
        {
            throw new FrameSourceException($"camera '{cameraId}': {UriRedaction.RedactText(e.Message)}", e);
        }
        catch (FrameSourceException e)
        {
            throw new FrameSourceException($"camera '{cameraId}': {e.Message}", e);
        }
    }

    private static IFrameSource OpenSource(string cameraId, string uri, SourceOptions options)
    {
        if (uri.StartsWith(SyntheticSceneOptions.Scheme, StringComparison.OrdinalIgnoreCase))
            return new SyntheticFrameSource(SyntheticSceneOptions.Parse(uri), cameraId);

        int separator = uri.IndexOf("://", StringComparison.Ordinal);
        if (separator < 0)
        {
            if (uri.StartsWith("/dev/video", StringComparison.Ordinal))
                return Supervised(cameraId, uri, options, () => VideoCaptureSource.OpenDevice(cameraId, uri, uri, 0, options));
            return VideoCaptureSource.OpenFile(cameraId, uri, options);
        }

        string scheme = uri[..separator].ToLowerInvariant();
        if (scheme == "file")
        {
            if (!System.Uri.TryCreate(uri, UriKind.Absolute, out var file) || !file.IsFile)
                throw new FrameSourceException($"'{uri}' is not a file URI (file:///path/to/video.mp4)");
            return VideoCaptureSource.OpenFile(cameraId, file.LocalPath, options);
        }
        if (scheme == "usb")
        {
            var rest = uri[(separator + 3)..];
            if (!int.TryParse(rest, NumberStyles.None, CultureInfo.InvariantCulture, out int index) || index > 63)
                throw new FrameSourceException($"'{uri}': expected usb://N with N the camera index (0, 1, ...)");
            return Supervised(cameraId, uri, options, () => VideoCaptureSource.OpenDevice(cameraId, uri, null, index, options));
        }
        if (FfmpegCommand.Schemes.Contains(scheme))
        {
            if (!System.Uri.TryCreate(uri, UriKind.Absolute, out var parsed) || (parsed.Host.Length == 0 && scheme != "udp"))
                throw new FrameSourceException($"'{UriRedaction.Redact(uri)}' is not a valid {scheme}:// URL (expected {scheme}://host[:port]/path)");
            return Supervised(cameraId, uri, options, () => new FfmpegSource(cameraId, uri, options));
        }
        throw new FrameSourceException(
            $"cannot open '{UriRedaction.Redact(uri)}': supported are {string.Join(", ", SupportedSchemes)}");
    }

    private static SupervisedSource Supervised(string cameraId, string uri, SourceOptions options, Func<IFrameSource> connect) =>
        new(cameraId, uri, options, connect);
}

/// <summary>Removes passwords from URIs before they reach logs, status topics or error messages.</summary>
public static partial class UriRedaction
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

    /// <summary>Redacts every URI with a password in free text (an ffmpeg error line, an exception message).</summary>
    public static string RedactText(string text) =>
        text.Contains("://", StringComparison.Ordinal) ? UserInfoPassword().Replace(text, "${head}***@") : text;

    [GeneratedRegex(@"(?<head>[A-Za-z][A-Za-z0-9+.-]*://[^\s/:@]*:)[^\s/@]*@", RegexOptions.CultureInvariant)]
    private static partial Regex UserInfoPassword();
}
