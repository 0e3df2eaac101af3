using MaskStream.Core.Objects;
using MaskStream.Publish.Payloads;

namespace MaskStream.Publish;

/// <summary>Writes the objects messages of the MQTT topic as JSON lines to a file, one line per frame (for offline
/// consumers and for comparing runs). Not thread-safe: one writer loop.</summary>
public sealed class JsonlSink : IAsyncDisposable
{
    private static readonly byte[] NewLine = "\n"u8.ToArray();

    private readonly FileStream _file;
    private readonly ObjectsEncoder _encoder;
    private readonly TimeProvider _time;

    /// <param name="path">Output file; created or truncated, its folder created when missing.</param>
    public JsonlSink(string path, ObjectsEncoder encoder, TimeProvider? timeProvider = null)
    {
        try
        {
            var folder = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path));
            if (folder is not null)
                Directory.CreateDirectory(folder);
            _file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read, 64 * 1024, useAsync: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"cannot write JSONL output '{path}': {e.Message}", e);
        }
        _encoder = encoder;
        _time = timeProvider ?? TimeProvider.System;
        FilePath = path;
    }

    public string FilePath { get; }

    public long LinesWritten { get; private set; }

    public async ValueTask WriteAsync(TrackedFrame frame, CancellationToken cancellationToken = default)
    {
        var json = _encoder.Encode(frame, _time.GetUtcNow());
        // The encoder's span cannot cross an await; the synchronous write lands in the FileStream's buffer.
        _file.Write(json);
        _file.Write(NewLine);
        LinesWritten++;
        if (LinesWritten % 64 == 0)
            await _file.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    public Task FlushAsync(CancellationToken cancellationToken = default) => _file.FlushAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await _file.FlushAsync().ConfigureAwait(false);
        await _file.DisposeAsync().ConfigureAwait(false);
    }
}
