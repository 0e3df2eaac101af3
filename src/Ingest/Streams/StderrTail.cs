namespace MaskStream.Ingest.Streams;

/// <summary>The last lines a child process wrote to stderr, passwords redacted, for error messages.</summary>
internal sealed class StderrTail(int capacity = 12)
{
    private readonly Queue<string> _lines = new(capacity);
    private readonly Lock _gate = new();

    public void Add(string line)
    {
        if (string.IsNullOrWhiteSpace(line))
            return;
        var redacted = UriRedaction.RedactText(line.Trim());
        lock (_gate)
        {
            if (_lines.Count == capacity)
                _lines.Dequeue();
            _lines.Enqueue(redacted);
        }
    }

    /// <summary>The last line that reads as a problem (ffmpeg ends with a summary of what it did), else the last line.</summary>
    public string? LastProblem()
    {
        lock (_gate)
        {
            string? last = null, problem = null;
            foreach (var line in _lines)
            {
                last = line;
                if (line.Contains("error", StringComparison.OrdinalIgnoreCase) || line.Contains("refused", StringComparison.OrdinalIgnoreCase) ||
                    line.Contains("not found", StringComparison.OrdinalIgnoreCase) || line.Contains("invalid", StringComparison.OrdinalIgnoreCase) ||
                    line.Contains("unauthorized", StringComparison.OrdinalIgnoreCase) || line.Contains("timed out", StringComparison.OrdinalIgnoreCase) ||
                    line.Contains("failed", StringComparison.OrdinalIgnoreCase) || line.Contains("no route", StringComparison.OrdinalIgnoreCase) ||
                    line.Contains("could not", StringComparison.OrdinalIgnoreCase) || line.Contains("unable", StringComparison.OrdinalIgnoreCase))
                    problem = line;
            }
            return problem ?? last;
        }
    }

    public string[] Lines()
    {
        lock (_gate)
            return _lines.ToArray();
    }
}
