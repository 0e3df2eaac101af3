using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using MaskStream.Core.Frames;

namespace MaskStream.Ingest.Supervision;

/// <summary>
/// Keeps a live source going for as long as it is read. Each attempt opens a fresh inner source; a stream that ends,
/// fails, cannot be opened, or delivers no frame within <see cref="SourceOptions.StallTimeout"/>
/// (<see cref="SourceOptions.OpenTimeout"/> before the first frame) is given up (its read cancelled, which kills an
/// ffmpeg child) and opened again after an exponential, jittered
/// backoff between <see cref="SourceOptions.ReconnectMin"/> and <see cref="SourceOptions.ReconnectMax"/>. It never
/// gives up by itself, and one camera's troubles touch no other. Frame numbers keep counting across reconnects.
/// </summary>
public sealed class SupervisedSource : IFrameSource
{
    private readonly string _cameraId;
    private readonly Func<IFrameSource> _connect;
    private readonly SourceOptions _options;
    private readonly Lock _gate = new();
    private SourceStatus _status = new(SourceState.Connecting, null, 0);
    private IFrameSource? _current;

    /// <param name="connect">Creates the inner source for one attempt (it may throw <see cref="FrameSourceException"/>).</param>
    public SupervisedSource(string cameraId, string uri, SourceOptions options, Func<IFrameSource> connect)
    {
        _cameraId = cameraId;
        _connect = connect;
        _options = options;
        Uri = uri;
    }

    public string Uri { get; }

    /// <summary>The size of the stream as last opened; 0 before it first opened.</summary>
    public int Width { get; private set; }

    public int Height { get; private set; }

    public double FramesPerSecond { get; private set; }

    public bool IsLive => true;

    public SourceStatus Status
    {
        get
        {
            lock (_gate)
                return _status;
        }
    }

    /// <summary>Raised on the reading thread whenever the state changes (not for every frame).</summary>
    public event Action<SourceStatus>? StatusChanged;

    /// <summary>The inner source of the attempt in progress (diagnostics and tests).</summary>
    public IFrameSource? Current => Volatile.Read(ref _current);

    public async IAsyncEnumerable<Frame> ReadAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        int failures = 0;
        long number = 0;
        try
        {
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                await using (var attempt = new Attempt(this, cancellationToken))
                {
                    if (await attempt.ConnectAsync().ConfigureAwait(false))
                    {
                        bool online = false;
                        while (await attempt.NextAsync().ConfigureAwait(false) is { } frame)
                        {
                            if (!online)
                            {
                                online = true;
                                failures = 0;
                                Width = frame.Info.Width;
                                Height = frame.Info.Height;
                                FramesPerSecond = attempt.Source!.FramesPerSecond;
                                SetStatus(SourceState.Online, null, countReconnect: false);
                            }
                            yield return Renumber(frame, number++);
                        }
                    }
                    cancellationToken.ThrowIfCancellationRequested();
                    SetStatus(SourceState.Reconnecting, attempt.Error, countReconnect: false);
                }
                var delay = Backoff.Delay(failures++, _options.ReconnectMin, _options.ReconnectMax, Random.Shared.NextDouble());
                await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
                SetStatus(SourceState.Reconnecting, null, countReconnect: true);
            }
        }
        finally
        {
            SetStatus(SourceState.Stopped, null, countReconnect: false);
        }
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    /// <summary>Frame numbers count from the supervised source's start, not from each reconnect.</summary>
    private static Frame Renumber(Frame frame, long number) =>
        frame.Info.FrameNumber == number ? frame : new Frame(frame.Info with { FrameNumber = number }, frame.Pixels);

    private void SetStatus(SourceState state, string? error, bool countReconnect)
    {
        SourceStatus status;
        lock (_gate)
        {
            status = _status with
            {
                State = state,
                LastError = error ?? _status.LastError,
                Reconnects = _status.Reconnects + (countReconnect ? 1 : 0),
            };
            if (status == _status)
                return;
            _status = status;
        }
        StatusChanged?.Invoke(status);
    }

    /// <summary>One connection: the inner source, its read (cancelled on stall or stop) and the stall watchdog.</summary>
    private sealed class Attempt : IAsyncDisposable
    {
        private readonly SupervisedSource _owner;
        private readonly CancellationToken _stop;
        private readonly CancellationTokenSource _cancel;
        private readonly Timer _watchdog;
        private IAsyncEnumerator<Frame>? _frames;
        private long _waitingSince;
        private volatile bool _stalled;
        private volatile bool _online;

        public Attempt(SupervisedSource owner, CancellationToken stop)
        {
            _owner = owner;
            _stop = stop;
            _cancel = CancellationTokenSource.CreateLinkedTokenSource(stop);
            _waitingSince = Stopwatch.GetTimestamp();
            var shortest = Math.Min(owner._options.StallTimeout.Ticks, owner._options.OpenTimeout.Ticks);
            var period = TimeSpan.FromTicks(Math.Max(TimeSpan.FromMilliseconds(50).Ticks, shortest / 8));
            _watchdog = new Timer(static s => ((Attempt)s!).Check(), this, period, period);
        }

        public IFrameSource? Source { get; private set; }

        /// <summary>Why the attempt ended (passwords redacted).</summary>
        public string? Error { get; private set; }

        public async Task<bool> ConnectAsync()
        {
            try
            {
                // Opening may block (a V4L2 device, a slow file system); the watchdog still counts, and a source that
                // opens after we gave up on it is closed then.
                var opening = Task.Run(_owner._connect);
                try
                {
                    Source = await opening.WaitAsync(_cancel.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    _ = opening.ContinueWith(static t => t.Result.DisposeAsync().AsTask(), CancellationToken.None,
                        TaskContinuationOptions.OnlyOnRanToCompletion, TaskScheduler.Default);
                    throw;
                }
                Volatile.Write(ref _owner._current, Source);
                _frames = Source.ReadAsync(_cancel.Token).GetAsyncEnumerator(_cancel.Token);
                return true;
            }
            catch (OperationCanceledException) when (!_stop.IsCancellationRequested)
            {
                Error = StallMessage();
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                Error = _stalled ? StallMessage() : UriRedaction.RedactText(e.Message);
            }
            return false;
        }

        /// <summary>The next frame, or null when the stream ended, failed or stalled (see <see cref="Error"/>).</summary>
        public async ValueTask<Frame?> NextAsync()
        {
            Volatile.Write(ref _waitingSince, Stopwatch.GetTimestamp());
            try
            {
                if (await _frames!.MoveNextAsync().ConfigureAwait(false))
                {
                    _online = true;
                    return _frames.Current;
                }
                Error = _stalled ? StallMessage() : $"{UriRedaction.Redact(_owner.Uri)}: the stream ended";
            }
            catch (OperationCanceledException) when (!_stop.IsCancellationRequested)
            {
                Error = StallMessage();
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                Error = _stalled ? StallMessage() : UriRedaction.RedactText(e.Message);
            }
            finally
            {
                Volatile.Write(ref _waitingSince, 0);
            }
            return null;
        }

        public async ValueTask DisposeAsync()
        {
            await _watchdog.DisposeAsync().ConfigureAwait(false);
            await _cancel.CancelAsync().ConfigureAwait(false);
            try
            {
                if (_frames is not null)
                    await _frames.DisposeAsync().ConfigureAwait(false);
                if (Source is not null)
                    await Source.DisposeAsync().ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                Error ??= UriRedaction.RedactText(e.Message);
            }
            finally
            {
                Interlocked.CompareExchange(ref _owner._current, null, Source);
                _cancel.Dispose();
            }
        }

        /// <summary>Time counts only while a frame is awaited: a consumer busy with the last frame is not a stall.</summary>
        private void Check()
        {
            long since = Volatile.Read(ref _waitingSince);
            var limit = _online ? _owner._options.StallTimeout : _owner._options.OpenTimeout;
            if (since == 0 || _stalled || Stopwatch.GetElapsedTime(since) < limit)
                return;
            _stalled = true;
            try
            {
                _cancel.Cancel();
            }
            catch (ObjectDisposedException)
            {
            }
        }

        private string StallMessage() => _online
            ? string.Create(CultureInfo.InvariantCulture,
                $"{UriRedaction.Redact(_owner.Uri)}: no frame within {_owner._options.StallTimeout.TotalSeconds:0.###} s (StallTimeout); reconnecting")
            : string.Create(CultureInfo.InvariantCulture,
                $"{UriRedaction.Redact(_owner.Uri)}: no frame within {_owner._options.OpenTimeout.TotalSeconds:0.###} s of opening (OpenTimeout); reconnecting");
    }
}
