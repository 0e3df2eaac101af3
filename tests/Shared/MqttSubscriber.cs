using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;

namespace MaskStream.Testing;

/// <summary>
/// A real consumer, subscribed the way the service's start-up hint says (<c>mosquitto_sub -V mqttv5 -I prefix -q 1 -v</c>),
/// as a child process, every message kept as (topic, payload) in arrival order. With <c>sessionId</c> it keeps a persistent session (<c>-c -i id</c>), so a broker that restarts
/// with persistence goes on queueing for it and mosquitto_sub reconnects by itself. Killed in <see cref="Dispose"/>.
/// </summary>
internal sealed class MqttSubscriber : IDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<(string Topic, string Payload)> _messages = new();
    private readonly ConcurrentQueue<string> _stderr = new();

    public MqttSubscriber(int port, string topic = "maskstream/#", string? sessionId = null)
    {
        var info = new ProcessStartInfo("mosquitto_sub")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        // Always a client id: MQTTnet's embedded broker refuses the empty one mosquitto_sub sends by default.
        string[] session = sessionId is null ? ["-I", "maskstream-it-"] : ["-c", "-i", sessionId];
        foreach (var a in (string[])["-h", "127.0.0.1", "-p", port.ToString(CultureInfo.InvariantCulture), "-V", "mqttv5", .. session,
                     "-q", "1", "-t", topic, "-t", ProbeTopic, "-v"])
            info.ArgumentList.Add(a);
        _process = Process.Start(info) ?? throw new InvalidOperationException("could not start mosquitto_sub (scripts/bootstrap installs mosquitto-clients)");
        _process.OutputDataReceived += (_, e) =>
        {
            int space = e.Data?.IndexOf(' ') ?? -1;
            if (space > 0)
                _messages.Enqueue((e.Data![..space], e.Data[(space + 1)..]));
        };
        _process.ErrorDataReceived += (_, e) => { if (e.Data is not null) _stderr.Enqueue(e.Data); };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    /// <summary>A topic outside the service's tree that <see cref="WaitSubscribedAsync"/> publishes to.</summary>
    private const string ProbeTopic = "maskstream-it/probe";

    /// <summary>Every message but the probes, in arrival order.</summary>
    public IReadOnlyList<(string Topic, string Payload)> Messages => _messages.Where(m => m.Topic != ProbeTopic).ToList();

    public List<string> Payloads(string topic) => _messages.Where(m => m.Topic == topic).Select(m => m.Payload).ToList();

    /// <summary>Waits until <paramref name="done"/> holds for the messages so far; throws with what arrived on time-out.</summary>
    public async Task WaitForAsync(Func<IReadOnlyList<(string Topic, string Payload)>, bool> done, TimeSpan timeout, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!done(Messages))
        {
            if (_process.HasExited)
                throw new InvalidOperationException($"mosquitto_sub exited ({_process.ExitCode}) while waiting for {what}: {string.Join(' ', _stderr)}");
            if (clock.Elapsed > timeout)
                throw new TimeoutException($"waited {timeout.TotalSeconds} s for {what}; got {_messages.Count} messages on " +
                                           $"{string.Join(", ", _messages.Select(m => m.Topic).Distinct())}; mosquitto_sub: {string.Join(' ', _stderr)}");
            await Task.Delay(50);
        }
    }

    /// <summary>Waits for a message on <paramref name="topic"/> whose payload contains <paramref name="text"/>.</summary>
    public Task WaitForAsync(string topic, string text, TimeSpan timeout) =>
        WaitForAsync(ms => ms.Any(m => m.Topic == topic && m.Payload.Contains(text, StringComparison.Ordinal)), timeout, $"'{text}' on {topic}");

    /// <summary>Publishes probes until one comes back: from then on the subscription is active at the broker.</summary>
    public async Task WaitSubscribedAsync(int port, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (!_messages.Any(m => m.Topic == ProbeTopic))
        {
            if (clock.Elapsed > timeout)
                throw new TimeoutException($"mosquitto_sub did not receive its probe within {timeout.TotalSeconds} s: {string.Join(' ', _stderr)}");
            var info = new ProcessStartInfo("mosquitto_pub") { UseShellExecute = false, RedirectStandardError = true };
            foreach (var a in (string[])["-h", "127.0.0.1", "-p", port.ToString(CultureInfo.InvariantCulture), "-V", "mqttv5",
                         "-I", "maskstream-it-probe-", "-q", "1", "-t", ProbeTopic, "-m", "ready"])
                info.ArgumentList.Add(a);
            using (var pub = Process.Start(info)!)
                await pub.WaitForExitAsync();
            await Task.Delay(100);
        }
    }

    public void Dispose()
    {
        if (!_process.HasExited)
            _process.Kill();
        _process.Dispose();
    }
}
