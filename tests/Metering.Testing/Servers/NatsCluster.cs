using System.Globalization;

namespace Commons.Metering.Testing.Servers;

/// <summary>A real NATS cluster (Debian package 'nats-server', /usr/sbin/nats-server): three nodes on
/// free loopback ports, joined by routes, each with JetStream (its own store folder under one
/// temporary folder) and the MQTT listener. NATS keeps MQTT sessions, retained messages and QoS 1
/// deliveries in JetStream streams replicated over the cluster, so a node may die and its clients
/// reconnect to another. Nodes are numbered 0..2; <see cref="Kill"/> is SIGKILL of one node and
/// <see cref="StartNode"/> starts it again on the same ports and store. <see cref="Logs"/> holds
/// every node's output for a failure message.
/// What nats-server 2.9 (Debian bookworm: 2.9.10) speaks of MQTT 3.1.1: QoS 0 and 1 (QoS 2 only
/// from 2.10; a QoS 2 subscription is granted QoS 1), retained messages, wills, persistent sessions
/// (clean session false), no MQTT 5. Docs: docs.nats.io, "MQTT" under "Running a NATS service".</summary>
public sealed class NatsCluster : IDisposable
{
    public const string DebianPackage = "nats-server";
    private const int Size = 3;
    private readonly TempDir _dir = new("nats");
    private readonly ServerProcess[] _nodes = new ServerProcess[Size];
    private readonly int[] _mqttPorts = new int[Size];

    public NatsCluster()
    {
        var clientPorts = new int[Size];
        var routePorts = new int[Size];
        for (var i = 0; i < Size; i++)
        {
            clientPorts[i] = FreePort.Next();
            routePorts[i] = FreePort.Next();
            _mqttPorts[i] = FreePort.Next();
        }
        for (var i = 0; i < Size; i++)
        {
            var config = WriteConfig(i, clientPorts[i], routePorts, _mqttPorts[i]);
            // Readiness is the MQTT port: it opens once the node's JetStream is up.
            _nodes[i] = new ServerProcess($"nats-{i}", "nats-server", DebianPackage, ["-c", config], _mqttPorts[i], _dir.Path);
        }
    }

    /// <summary>The MQTT listener of node <paramref name="node"/> on 127.0.0.1.</summary>
    public int MqttPort(int node) => _mqttPorts[node];

    /// <summary>"127.0.0.1:p0,127.0.0.1:p1,127.0.0.1:p2": every node's MQTT listener.</summary>
    public string MqttServers => string.Join(',', _mqttPorts.Select(p => $"127.0.0.1:{p}"));

    public bool IsRunning(int node) => _nodes[node].IsRunning;

    /// <summary>Starts all three nodes, then waits until the cluster answers an MQTT session on every
    /// node (the MQTT streams need a JetStream meta leader, elected once the routes are up).</summary>
    public void Start(TimeSpan? readyTimeout = null)
    {
        var timeout = readyTimeout ?? TimeSpan.FromSeconds(30);
        foreach (var node in _nodes) node.Launch();
        for (var i = 0; i < Size; i++) StartNode(i, timeout, launched: true);
    }

    /// <summary>SIGKILL of one node: no shutdown code runs; its store stays on disk.</summary>
    public void Kill(int node) => _nodes[node].Kill();

    /// <summary>Starts one node again (after <see cref="Kill"/>) on its ports and store, and waits
    /// until it serves MQTT sessions.</summary>
    public void StartNode(int node, TimeSpan? readyTimeout = null) =>
        StartNode(node, readyTimeout ?? TimeSpan.FromSeconds(30), launched: false);

    /// <summary>Starts one node again without waiting (it rejoins while the test goes on);
    /// <see cref="WaitServing"/> waits for it later.</summary>
    public void LaunchNode(int node) => _nodes[node].Launch();

    /// <summary>Waits until a launched node serves MQTT sessions.</summary>
    public void WaitServing(int node, TimeSpan? readyTimeout = null) =>
        StartNode(node, readyTimeout ?? TimeSpan.FromSeconds(30), launched: true);

    private void StartNode(int node, TimeSpan timeout, bool launched)
    {
        if (!launched) _nodes[node].Launch();
        var deadline = DateTime.UtcNow + timeout;
        string last = "";
        while (DateTime.UtcNow < deadline)
        {
            if (_nodes[node].HasExited)
                throw new InvalidOperationException($"nats-{node} exited before serving MQTT:\n{Logs}");
            // Probe only once the node knows the JetStream meta leader: a session asked for before
            // waits about 4 s on a JetStream request that cannot be answered yet (measured).
            var output = _nodes[node].Output;
            if (output[output.LastIndexOf("--- start", StringComparison.Ordinal)..].Contains("metadata leader", StringComparison.Ordinal))
            {
                last = MqttProbe.Connect(_mqttPorts[node], $"probe-{node}", cleanSession: false);
                if (last.Length == 0) return;
            }
            else last = "no JetStream meta leader yet";
            Thread.Sleep(50);
        }
        throw new TimeoutException($"nats-{node} did not accept a persistent MQTT session on 127.0.0.1:{_mqttPorts[node]} within {timeout} (last: {last}):\n{Logs}");
    }

    /// <summary>Every node's output, for a failure message.</summary>
    public string Logs => string.Join('\n', _nodes.Select(n => $"===== {n.Name}\n{n.Output}"));

    private string WriteConfig(int node, int clientPort, int[] routePorts, int mqttPort)
    {
        var store = Path.Combine(_dir.Path, $"n{node}");
        Directory.CreateDirectory(store);
        var routes = string.Join(", ", routePorts.Select(p => $"\"nats-route://127.0.0.1:{p}\""));
        var config = _dir.File($"n{node}.conf");
        var inv = CultureInfo.InvariantCulture;
        // server_name is required by JetStream in a cluster; routes list every node (a node ignores
        // the route to itself). Stores are small: tests move a few thousand messages.
        File.WriteAllText(config, string.Create(inv, $$"""
            server_name: n{{node}}
            listen: 127.0.0.1:{{clientPort}}
            jetstream {
              store_dir: "{{store}}"
              max_memory_store: 64MB
              max_file_store: 1GB
            }
            cluster {
              name: metering
              listen: 127.0.0.1:{{routePorts[node]}}
              routes: [{{routes}}]
            }
            mqtt {
              listen: 127.0.0.1:{{mqttPort}}
            }

            """));
        return config;
    }

    public void Dispose()
    {
        foreach (var node in _nodes) node?.Dispose();
        _dir.Dispose();
    }
}
