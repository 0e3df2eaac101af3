using System.Collections.Concurrent;
using System.Diagnostics;

namespace MaskStream.Service.Tests.Support;

/// <summary>A real consumer, subscribed the way the service's start-up hint says (<c>mosquitto_sub -V mqttv5 -I prefix</c>), every
/// message kept as (topic, payload). Killed in <see cref="Dispose"/>.</summary>
internal sealed class MqttSubscriber : IDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<(string Topic, string Payload)> _messages = new();
    private readonly ConcurrentQueue<string> _stderr = new();

    public MqttSubscriber(int port, string topic = "maskstream/#")
    {
        _process = Process.Start(new ProcessStartInfo("mosquitto_sub", ["-h", "127.0.0.1", "-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "-V", "mqttv5", "-I", "maskstream-test-", "-q", "1", "-t", topic, "-v"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        }) ?? throw new InvalidOperationException("could not start mosquitto_sub (scripts/bootstrap installs mosquitto-clients)");
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

    public IReadOnlyList<(string Topic, string Payload)> Messages => _messages.ToArray();

    public List<string> Payloads(string topic) => _messages.Where(m => m.Topic == topic).Select(m => m.Payload).ToList();

    /// <summary>Waits until a message on <paramref name="topic"/> whose payload contains <paramref name="text"/> arrived.</summary>
    public async Task WaitForAsync(string topic, string text, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (!_messages.Any(m => m.Topic == topic && m.Payload.Contains(text, StringComparison.Ordinal)))
        {
            if (clock.Elapsed > timeout)
                throw new TimeoutException($"no message on {topic} with '{text}' within {timeout.TotalSeconds} s; got " +
                                           $"{string.Join(" | ", _messages.Select(m => m.Topic).Distinct())}; mosquitto_sub: {string.Join(' ', _stderr)}");
            await Task.Delay(50);
        }
    }

    public void Dispose()
    {
        if (!_process.HasExited)
            _process.Kill();
        _process.Dispose();
    }
}
