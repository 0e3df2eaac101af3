using MaskStream.Ingest.Synthetic;

namespace MaskStream.Ingest;

/// <summary>Opens a frame source from a camera URI.</summary>
public static class FrameSources
{
    /// <summary>
    /// Opens <paramref name="uri"/> for camera <paramref name="cameraId"/>. Supported so far:
    /// <c>synthetic://</c> scenes. Throws <see cref="FormatException"/> naming the bad part of the URI.
    /// </summary>
    public static IFrameSource Open(string uri, string cameraId, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(uri);
        if (uri.StartsWith("synthetic:", StringComparison.Ordinal))
            return new SyntheticFrameSource(SyntheticSceneOptions.Parse(uri), cameraId, time);
        throw new FormatException($"Camera URI '{uri}': unsupported scheme; expected synthetic://walkers?... (files, USB and network streams are not wired in yet)");
    }
}
