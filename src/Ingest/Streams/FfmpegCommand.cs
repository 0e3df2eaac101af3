using System.Globalization;
using System.Text.RegularExpressions;

namespace MaskStream.Ingest.Streams;

/// <summary>The <c>ffmpeg</c> command line that turns a network stream into raw BGR frames on stdout, and the
/// reading of what ffmpeg says about it on stderr.</summary>
internal static partial class FfmpegCommand
{
    /// <summary>Schemes handed to ffmpeg (Debian's build speaks them all; OpenCV's bundled FFmpeg speaks none).</summary>
    public static readonly IReadOnlyList<string> Schemes = ["rtsp", "rtsps", "http", "https", "udp", "tcp", "rtmp", "rtmps", "srt"];

    public static List<string> Arguments(string uri, SourceOptions options)
    {
        // info level is needed for the "Stream #0:0" lines that give the frame size; -nostats keeps the per-second
        // progress line out of stderr.
        var args = new List<string> { "-hide_banner", "-nostdin", "-nostats", "-loglevel", "info" };
        if (uri.StartsWith("rtsp", StringComparison.OrdinalIgnoreCase))
            args.AddRange(["-rtsp_transport", options.RtspTransport == RtspTransport.Udp ? "udp" : "tcp"]);
        // Live: hand each frame on as soon as it is decoded rather than keep a demuxer buffer; drop what is corrupt
        // rather than pass on smeared frames.
        args.AddRange(["-fflags", "nobuffer+discardcorrupt", "-flags", "low_delay"]);
        args.AddRange(["-i", uri]);
        // passthrough: no frames duplicated or dropped to fit a rate; one output frame per decoded frame.
        // showinfo logs each frame's stream pts (PtsLog), without checksums.
        args.AddRange(["-map", "0:v:0", "-an", "-sn", "-dn", "-vf", "showinfo=checksum=0", "-fps_mode", "passthrough",
            "-f", "rawvideo", "-pix_fmt", "bgr24", "pipe:1"]);
        return args;
    }

    /// <summary>Reads the output stream line, e.g.
    /// <c>  Stream #0:0: Video: rawvideo (BGR[24] / 0x18524742), bgr24(pc, progressive), 320x240 [SAR 1:1 DAR 4:3], q=2-31, 46080 kb/s, 25 fps, 25 tbn</c>;
    /// fps is 0 when the line has none.</summary>
    public static bool TryParseOutputStream(string line, out int width, out int height, out double fps)
    {
        width = height = 0;
        fps = 0;
        var m = OutputStreamLine().Match(line);
        if (!m.Success)
            return false;
        width = int.Parse(m.Groups["w"].Value, CultureInfo.InvariantCulture);
        height = int.Parse(m.Groups["h"].Value, CultureInfo.InvariantCulture);
        var rate = FpsField().Match(line);
        if (rate.Success)
            fps = double.Parse(rate.Groups["fps"].Value, CultureInfo.InvariantCulture);
        return width > 0 && height > 0;
    }

    [GeneratedRegex(@"^\s*Stream #0:0\S*: Video: rawvideo\b.*?\bbgr24\b.*?, (?<w>\d+)x(?<h>\d+)", RegexOptions.CultureInvariant)]
    private static partial Regex OutputStreamLine();

    [GeneratedRegex(@", (?<fps>\d+(\.\d+)?)k? fps", RegexOptions.CultureInvariant)]
    private static partial Regex FpsField();
}
