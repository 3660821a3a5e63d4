using System.Net;
using System.Net.Sockets;

namespace Commons.Metering.Tests.Chaos;

/// <summary>A TCP proxy on a free loopback port in front of a real server, with the network faults
/// the chaos tests need: <see cref="BlackHole"/> (connections are accepted and read, nothing ever
/// comes back: a hung server or a dead route), <see cref="DeafenExisting"/> (the open connections
/// keep delivering what the client sends but drop everything towards it, while new connections work:
/// a half-open connection after a NAT lost its state) and <see cref="Forward"/> (normal; black-holed
/// connections are reset so their clients open new ones); <see cref="Refuse"/> (a cut link: every
/// connection, open or new, is closed at once, so a client fails fast instead of waiting out a timeout).</summary>
internal sealed class ChaosProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly int _upstreamPort;
    private readonly List<Link> _links = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;
    private volatile bool _blackHole;
    private volatile bool _refuse;

    public ChaosProxy(int upstreamPort)
    {
        _upstreamPort = upstreamPort;
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _accepting = Task.Run(AcceptAsync);
    }

    public int Port { get; }

    /// <summary>Connections accepted so far (a client that reconnected shows up here).</summary>
    public int Accepted { get; private set; }

    public void BlackHole()
    {
        _blackHole = true;
        lock (_links) foreach (var l in _links) l.ToClient = l.ToUpstream = false;
    }

    public void DeafenExisting()
    {
        lock (_links) foreach (var l in _links) l.ToClient = false;
    }

    public void Refuse()
    {
        _refuse = true;
        lock (_links)
        {
            foreach (var l in _links) l.Close();
            _links.Clear();
        }
    }

    public void Forward()
    {
        _blackHole = false;
        _refuse = false;
        lock (_links)
            foreach (var l in _links.Where(l => !l.ToClient).ToList())
            {
                l.Close();
                _links.Remove(l);
            }
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try { client = await _listener.AcceptSocketAsync(_stop.Token); }
            catch (Exception) { return; }
            Accepted++;
            if (_refuse)
            {
                client.Dispose();
                continue;
            }
            var link = new Link(client) { ToClient = !_blackHole, ToUpstream = !_blackHole };
            lock (_links) _links.Add(link);
            _ = Task.Run(() => RunAsync(link));
        }
    }

    private async Task RunAsync(Link link)
    {
        try
        {
            if (link.ToUpstream)
            {
                link.Upstream = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                await link.Upstream.ConnectAsync(IPAddress.Loopback, _upstreamPort, _stop.Token);
                _ = PumpAsync(link.Upstream, link.Client, () => link.ToClient, link);
            }
            await PumpAsync(link.Client, link.Upstream, () => link.ToUpstream, link);
        }
        catch (Exception)
        {
            link.Close();
        }
    }

    /// <summary>Copies from one socket to the other while <paramref name="forward"/> says so, and
    /// reads and discards otherwise (the sender sees its bytes taken, never an answer).</summary>
    private async Task PumpAsync(Socket from, Socket? to, Func<bool> forward, Link link)
    {
        var buffer = new byte[16 * 1024];
        try
        {
            while (true)
            {
                var n = await from.ReceiveAsync(buffer, SocketFlags.None, _stop.Token);
                if (n == 0) break;
                if (to is not null && forward()) await to.SendAsync(buffer.AsMemory(0, n), SocketFlags.None, _stop.Token);
            }
        }
        catch (Exception)
        {
            // Closed by either side or by the proxy.
        }
        link.Close();
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        lock (_links) foreach (var l in _links) l.Close();
        try { await _accepting; } catch (Exception) { }
        _stop.Dispose();
    }

    private sealed class Link(Socket client)
    {
        public Socket Client { get; } = client;
        public Socket? Upstream { get; set; }
        public volatile bool ToClient;
        public volatile bool ToUpstream;

        public void Close()
        {
            Client.Dispose();
            Upstream?.Dispose();
        }
    }
}
