using System.ComponentModel;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using MaskStream.Core.Frames;

namespace MaskStream.Ingest.Streams;

/// <summary>
/// A network stream decoded by a child <c>ffmpeg</c> process into raw BGR24 frames on its stdout pipe (the pattern
/// Frigate uses). The frame size comes from ffmpeg's own description of its output stream on stderr; the last stderr
/// lines, passwords redacted, become the error when the stream fails. Each <see cref="ReadAsync"/> runs one process
/// and kills it (and anything it started) when the read ends, is cancelled or fails, then reaps it, so no process is
/// left behind. Cancelling is also how a stall is cured: a hung demuxer is ffmpeg's problem, never a thread of ours.
/// ffmpeg's raw output carries no timestamps: a frame's stream pts comes from ffmpeg's <c>showinfo</c> line for it
/// (<see cref="PtsLog"/>), or from its position at the nominal frame rate when that line is missing.
/// </summary>
public sealed class FfmpegSource(string cameraId, string uri, SourceOptions options, string ffmpeg = "ffmpeg") : IFrameSource
{
    private volatile int _processId;

    public string Uri { get; } = uri;
    public int Width { get; private set; }
    public int Height { get; private set; }
    public double FramesPerSecond { get; private set; }
    public bool IsLive => true;

    /// <summary>The running ffmpeg's process id, 0 when none runs (tests check that none is left behind).</summary>
    public int ProcessId => _processId;

    public async IAsyncEnumerable<Frame> ReadAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var tail = new StderrTail();
        var size = new TaskCompletionSource<(int Width, int Height, double Fps)>(TaskCreationOptions.RunContinuationsAsynchronously);
        var pts = new PtsLog();
        using var process = Start(tail, size, pts);
        _processId = process.Id;
        try
        {
            using var kill = cancellationToken.Register(static p => Kill((Process)p!), process);
            (Width, Height, FramesPerSecond) = await WaitForSizeAsync(size.Task, process, tail, cancellationToken).ConfigureAwait(false);
            var stdout = process.StandardOutput.BaseStream;
            int length = Width * Height * 3;
            double fps = FramesPerSecond;
            for (long number = 0; ; number++)
            {
                var pixels = PixelBuffer.Rent(Width, Height);
                int read;
                try
                {
                    read = await stdout.ReadAtLeastAsync(pixels.Array.AsMemory(0, length), length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
                }
                catch
                {
                    pixels.Dispose();
                    throw;
                }
                if (read < length)
                {
                    pixels.Dispose();
                    cancellationToken.ThrowIfCancellationRequested();
                    throw new FrameSourceException(await EndedAsync(process, tail, number).ConfigureAwait(false));
                }
                var captured = DateTimeOffset.UtcNow;
                TimeSpan? streamPts;
                try
                {
                    streamPts = await pts.TakeAsync(number, cancellationToken).ConfigureAwait(false)
                                ?? (fps > 0 ? TimeSpan.FromSeconds(number / fps) : null);
                }
                catch
                {
                    pixels.Dispose();
                    throw;
                }
                yield return new Frame(new FrameInfo(cameraId, number, captured, streamPts, Width, Height), pixels);
            }
        }
        finally
        {
            Kill(process);
            // Reaps the child (no zombie) and lets the stderr reader see the end of its pipe.
            try
            {
                await process.WaitForExitAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(5), CancellationToken.None).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                // A process that outlives SIGKILL by 5 s is stuck in the kernel; nothing more can be done from here.
            }
            _processId = 0;
        }
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private Process Start(StderrTail tail, TaskCompletionSource<(int, int, double)> size, PtsLog pts)
    {
        var info = new ProcessStartInfo(ffmpeg)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            CreateNoWindow = true,
        };
        foreach (var a in FfmpegCommand.Arguments(Uri, options))
            info.ArgumentList.Add(a);
        var process = new Process { StartInfo = info };
        bool output = false;
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                size.TrySetException(new EndOfStreamException());
                return;
            }
            if (pts.TryAdd(e.Data))
                return;
            tail.Add(e.Data);
            // The size line of interest follows "Output #0"; the input's own stream lines come before it.
            if (e.Data.StartsWith("Output #0", StringComparison.Ordinal))
                output = true;
            else if (output && !size.Task.IsCompleted && FfmpegCommand.TryParseOutputStream(e.Data, out int w, out int h, out double fps))
                size.TrySetResult((w, h, fps));
        };
        try
        {
            process.Start();
        }
        catch (Win32Exception e)
        {
            process.Dispose();
            throw new FrameSourceException($"cannot start '{ffmpeg}' for {UriRedaction.Redact(Uri)}: {e.Message} (scripts/bootstrap installs ffmpeg)", e);
        }
        process.BeginErrorReadLine();
        return process;
    }

    private async Task<(int, int, double)> WaitForSizeAsync(Task<(int, int, double)> size, Process process, StderrTail tail, CancellationToken cancellationToken)
    {
        try
        {
            return await size.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (EndOfStreamException)
        {
            cancellationToken.ThrowIfCancellationRequested();
            throw new FrameSourceException(await EndedAsync(process, tail, 0).ConfigureAwait(false));
        }
    }

    private async Task<string> EndedAsync(Process process, StderrTail tail, long frames)
    {
        string code = "";
        try
        {
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
            code = $" (exit code {process.ExitCode})";
        }
        catch (TimeoutException)
        {
        }
        string when = frames == 0 ? "before the first frame" : $"after {frames} frames";
        return $"{UriRedaction.Redact(Uri)}: ffmpeg ended {when}{code}: {tail.LastProblem() ?? "no message"}";
    }

    private static void Kill(Process process)
    {
        try
        {
            if (!process.HasExited)
                process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
        catch (Win32Exception)
        {
            // Exiting as we asked.
        }
    }
}
