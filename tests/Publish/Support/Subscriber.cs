using System.Collections.Concurrent;
using System.Diagnostics;

namespace MaskStream.Publish.Tests.Support;

/// <summary>A real consumer: <c>mosquitto_sub -v -q 1</c> as a child process, every line kept as (topic, payload).
/// With <c>persistentId</c> it uses a persistent session (<c>-c -i</c>), so a restarted broker keeps queueing for it.</summary>
internal sealed class Subscriber : IDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<(string Topic, string Payload)> _messages = new();

    public Subscriber(int port, string topic = "maskstream/#", string? persistentId = null)
    {
        // Always a client id: MQTTnet's embedded broker refuses the empty id mosquitto_sub sends by default over MQTT 3.1.1.
        var session = persistentId is null ? $"-i sub-{Guid.NewGuid():N} " : $"-c -i {persistentId} ";
        _process = Process.Start(new ProcessStartInfo("mosquitto_sub", $"-h 127.0.0.1 -p {port} {session}-t {topic} -v -q 1")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        })!;
        _process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
                return;
            var space = e.Data.IndexOf(' ');
            if (space > 0)
                _messages.Enqueue((e.Data[..space], e.Data[(space + 1)..]));
        };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public IReadOnlyList<(string Topic, string Payload)> Messages => _messages.ToArray();

    public IReadOnlyList<string> Payloads(string topic) => _messages.Where(m => m.Topic == topic).Select(m => m.Payload).ToList();

    /// <summary>Waits until <paramref name="done"/> holds for the messages so far; throws with what arrived on time-out.</summary>
    public async Task WaitForAsync(Func<IReadOnlyList<(string Topic, string Payload)>, bool> done, TimeSpan timeout, string what)
    {
        using var cts = new CancellationTokenSource(timeout);
        while (!done(Messages))
        {
            if (_process.HasExited)
                throw new InvalidOperationException($"mosquitto_sub exited ({_process.ExitCode}) while waiting for {what}");
            try
            {
                await Task.Delay(50, cts.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"waited {timeout.TotalSeconds} s for {what}; got {Messages.Count} messages: " +
                                           string.Join(" | ", Messages.TakeLast(5).Select(m => m.Topic)));
            }
        }
    }

    /// <summary>Waits until the broker delivers a probe message, i.e. the subscription is active.</summary>
    public async Task WaitSubscribedAsync(int port, string probeTopic = "maskstream/probe/ready")
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while (!_messages.Any(m => m.Topic == probeTopic))
        {
            using (var pub = Process.Start(new ProcessStartInfo("mosquitto_pub", $"-h 127.0.0.1 -p {port} -i probe-{Guid.NewGuid():N} -t {probeTopic} -m ready -q 1")
                   { UseShellExecute = false, RedirectStandardError = true })!)
                await pub.WaitForExitAsync(cts.Token);
            await Task.Delay(100, cts.Token);
        }
    }

    public void Dispose()
    {
        if (!_process.HasExited)
            _process.Kill();
        _process.Dispose();
    }
}
