using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace MaskStream.Publish.Tests.Support;

/// <summary>A loopback TCP relay between the publisher and a real broker that the test can break: <see cref="FreezeAll"/>
/// stops forwarding on the current connections without closing them (a hung broker: no PUBACK ever comes), and
/// <see cref="DropAll"/> resets them (a dead link: the broker sends the last will). New connections relay normally.</summary>
internal sealed class TcpProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly int _targetPort;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentDictionary<Link, byte> _links = new();
    private readonly Task _accepting;

    public TcpProxy(int targetPort)
    {
        _targetPort = targetPort;
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _accepting = AcceptAsync();
    }

    public int Port { get; }

    public int ConnectionsAccepted { get; private set; }

    public void FreezeAll()
    {
        foreach (var link in _links.Keys)
            link.Frozen = true;
    }

    public void DropAll()
    {
        foreach (var link in _links.Keys)
            link.Reset();
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        DropAll();
        try
        {
            await _accepting;
        }
        catch (Exception)
        {
            // Listener stopped.
        }
        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptSocketAsync(_stop.Token);
            }
            catch (Exception)
            {
                return;
            }
            ConnectionsAccepted++;
            var upstream = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                await upstream.ConnectAsync(IPAddress.Loopback, _targetPort, _stop.Token);
            }
            catch (Exception)
            {
                client.Dispose();
                upstream.Dispose();
                continue;
            }
            var link = new Link(client, upstream);
            _links[link] = 0;
            _ = Task.WhenAll(link.RelayAsync(client, upstream), link.RelayAsync(upstream, client))
                .ContinueWith(_ => { link.Reset(); _links.TryRemove(link, out byte _); }, TaskScheduler.Default);
        }
    }

    private sealed class Link(Socket a, Socket b)
    {
        private readonly CancellationTokenSource _closed = new();
        public volatile bool Frozen;

        public async Task RelayAsync(Socket from, Socket to)
        {
            var buffer = new byte[16 * 1024];
            try
            {
                while (true)
                {
                    var n = await from.ReceiveAsync(buffer, SocketFlags.None, _closed.Token);
                    if (n == 0)
                        break;
                    if (Frozen)
                        continue; // swallow: the other side never hears of it
                    await to.SendAsync(buffer.AsMemory(0, n), SocketFlags.None, _closed.Token);
                }
            }
            catch (Exception)
            {
                // Reset or closed.
            }
            Reset();
        }

        public void Reset()
        {
            if (_closed.IsCancellationRequested)
                return;
            _closed.Cancel();
            foreach (var s in new[] { a, b })
            {
                try
                {
                    // Linger 0 makes Close send RST: an abrupt loss, not a clean FIN.
                    s.LingerState = new LingerOption(true, 0);
                    s.Close();
                }
                catch (Exception)
                {
                    // Already closed.
                }
            }
        }
    }
}
