using System.Collections.Concurrent;
using System.Globalization;

namespace MaskStream.Ingest.Streams;

/// <summary>
/// Stream pts of the frames ffmpeg writes, read from its <c>showinfo</c> filter's stderr lines (raw video on a pipe
/// carries no timestamps). ffmpeg writes frame n's line before frame n's pixels, so the pts is normally there when the
/// frame is; lines are matched by showinfo's frame index, so a late or lost line costs that one frame its pts and
/// never shifts the others.
/// </summary>
internal sealed class PtsLog
{
    private const string IndexField = "] n:";
    private const string PtsField = "pts_time:";

    private readonly ConcurrentQueue<(long Index, double Seconds)> _entries = new();

    /// <summary>True for showinfo's per-frame line; its pts is noted.</summary>
    public bool TryAdd(string line)
    {
        int n = line.IndexOf(IndexField, StringComparison.Ordinal);
        if (n < 0 || !line.StartsWith("[Parsed_showinfo", StringComparison.Ordinal))
            return line.StartsWith("[Parsed_showinfo", StringComparison.Ordinal);
        int p = line.IndexOf(PtsField, n, StringComparison.Ordinal);
        if (p < 0)
            return true;
        var rest = line.AsSpan(n + IndexField.Length).TrimStart();
        var index = rest[..Math.Max(0, rest.IndexOf(' '))];
        var time = line.AsSpan(p + PtsField.Length);
        int end = time.IndexOf(' ');
        if (end >= 0) time = time[..end];
        if (long.TryParse(index, NumberStyles.None, CultureInfo.InvariantCulture, out long i) &&
            double.TryParse(time, NumberStyles.Float, CultureInfo.InvariantCulture, out double seconds))
            _entries.Enqueue((i, seconds));
        return true;
    }

    /// <summary>The pts of output frame <paramref name="index"/>, waiting briefly for its line; null when it has none.</summary>
    public async ValueTask<TimeSpan?> TakeAsync(long index, CancellationToken cancellationToken)
    {
        for (int attempt = 0; ; attempt++)
        {
            while (_entries.TryPeek(out var e) && e.Index < index)
                _entries.TryDequeue(out _);
            if (_entries.TryPeek(out var entry) && entry.Index == index)
            {
                _entries.TryDequeue(out _);
                return TimeSpan.FromSeconds(entry.Seconds);
            }
            if (attempt == 20 || (_entries.TryPeek(out var later) && later.Index > index))
                return null;
            await Task.Delay(5, cancellationToken).ConfigureAwait(false);
        }
    }
}
