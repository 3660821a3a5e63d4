using System.Diagnostics;
using System.Globalization;
using System.Text;
using Commons.Metering.Testing;
using Commons.Metering.Testing.Servers;

namespace Commons.Metering.Bench;

/// <summary>`pipelined`: the load of a village's many uplinks at once, as a broker sees it: several
/// publishers (mosquitto_pub -l, QoS 1, libmosquitto's 20 messages in flight each), each a meter
/// that announced `"confirm":2` (docs/protocol.md, confirmation), through
/// (a) mosquitto to one QoS 1 subscriber (broker only: the reference),
/// (b) the gateway's embedded broker into the ledger, (c) mosquitto into an external-mode gateway,
/// (d) a village mosquitto bridged into the embedded broker (one bridge connection for every meter);
/// each gateway run with the InfluxDB 1.x sink on. Timed from the first timed publish until the
/// ledger committed the last reading. Rounds alternate the four, the median ratio decides.</summary>
internal sealed class PipelinedBenchmark(int publishers, int warmupPerPublisher, int timedPerPublisher, TextWriter log)
{
    private const string Community = "pipe";
    private const string Database = "metering";
    private static readonly TimeSpan Deadline = TimeSpan.FromMinutes(5);
    private readonly long _startUnixMs = DateTimeOffset.UtcNow.AddHours(-6).ToUnixTimeMilliseconds();
    private int _run;

    public sealed record Result(string Name, long Readings, TimeSpan Elapsed, double ServerCpuUs)
    {
        public double Rate => Readings / Elapsed.TotalSeconds;
    }

    public async Task<int> RunAsync(int rounds, CancellationToken cancel)
    {
        log.WriteLine($"{MachineInfo.Describe()}");
        log.WriteLine($"pipelined: {publishers} publishers (mosquitto_pub -l -q 1, 20 in flight each), {warmupPerPublisher} warm-up + {timedPerPublisher} timed readings each; InfluxDB 1.x sink on");
        var ratios = new List<(double Embedded, double External, double Bridged)>();
        for (int round = 1; round <= rounds; round++)
        {
            var reference = await BrokerOnlyAsync(cancel);
            Print(reference);
            var embedded = await GatewayAsync(Mode.Embedded, cancel);
            Print(embedded);
            var external = await GatewayAsync(Mode.External, cancel);
            Print(external);
            var bridged = await GatewayAsync(Mode.Bridged, cancel);
            Print(bridged);
            var r = (embedded.Rate / reference.Rate, external.Rate / reference.Rate, bridged.Rate / embedded.Rate);
            ratios.Add(r);
            log.WriteLine($"round {round}: embedded {r.Item1:F2}x, external {r.Item2:F2}x of broker only; bridged village {r.Item3:F2}x of direct embedded");
        }
        var em = Median(ratios.Select(r => r.Embedded));
        var ex = Median(ratios.Select(r => r.External));
        var br = Median(ratios.Select(r => r.Bridged));
        log.WriteLine($"median over {rounds} rounds: embedded {em:F2}x, external {ex:F2}x (goal >= 0.6x each); bridged {br:F2}x of direct (goal >= 0.5x)");
        return 0;
    }

    private static double Median(IEnumerable<double> values)
    {
        var v = values.Order().ToArray();
        return v.Length % 2 == 1 ? v[v.Length / 2] : (v[v.Length / 2 - 1] + v[v.Length / 2]) / 2;
    }

    private void Print(Result r) =>
        log.WriteLine($"  {r.Name}: {r.Readings} readings in {r.Elapsed.TotalSeconds:F2} s = {r.Rate:F0}/s; server CPU {r.ServerCpuUs:F0} us per reading");

    private enum Mode { Embedded, External, Bridged }

    /// <summary>mosquitto's own delivery rate of the load to one QoS 1 subscriber (mosquitto_sub).</summary>
    private async Task<Result> BrokerOnlyAsync(CancellationToken cancel)
    {
        using var mosquitto = Mosquitto.Unbounded();
        mosquitto.Start();
        var psi = new ProcessStartInfo(ServerProcess.Require("stdbuf", "coreutils")) { RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in new[] { "-oL", ServerProcess.Require("mosquitto_sub", "mosquitto-clients"), "-h", "127.0.0.1", "-p", Port(mosquitto.Port),
                     "-q", "1", "-i", "pipe-subscriber", "-d", "-t", $"commons/v1/{Community}/+/up/reading" })
            psi.ArgumentList.Add(a);
        using var subscriber = Process.Start(psi)!;
        var subscribed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        long received = 0;
        var reading = Task.Run(async () =>
        {
            while (await subscriber.StandardOutput.ReadLineAsync(cancel) is { } line)
            {
                if (line.Contains("SUBACK", StringComparison.Ordinal)) subscribed.TrySetResult();
                else if (line.Contains("received PUBLISH", StringComparison.Ordinal)) Interlocked.Increment(ref received);
            }
        }, cancel);
        await subscribed.Task.WaitAsync(TimeSpan.FromSeconds(10), cancel);
        var result = await WithBrokerLogAsync(mosquitto, () => TimeLoadAsync(mosquitto.Port, mosquitto.Pid, () => Task.FromResult(Interlocked.Read(ref received)),
            "broker only: mosquitto -> mosquitto_sub (reference)", cancel));
        subscriber.Kill();
        await reading;
        return result;
    }

    private async Task<Result> GatewayAsync(Mode mode, CancellationToken cancel)
    {
        using var influx = Influxd.StartNew();
        await influx.CreateDatabaseAsync(Database);
        using var mosquitto = mode == Mode.External ? Mosquitto.Unbounded() : null;
        mosquitto?.Start();
        using var gateway = new GatewayProcess();
        gateway.Environment["Metering__Registry__AutoRegister"] = "true";
        gateway.Environment["Metering__Influx__Kind"] = "V1";
        gateway.Environment["Metering__Influx__Url"] = influx.Url;
        gateway.Environment["Metering__Influx__Database"] = Database;
        gateway.Environment["Logging__LogLevel__Default"] = "Warning";
        // Each publisher here is one meter sending thousands a second, far beyond any device (one
        // reading a minute, 32 unconfirmed at most); the per-meter flood limit (1,000/s) would be all
        // this measured, and refuse what mosquitto_pub never sends again. Still on, never reached.
        gateway.Environment["Metering__Broker__RateLimitPerMeterPerSecond"] = "1000000";
        if (mosquitto is not null)
        {
            gateway.Environment["Metering__Broker__Mode"] = "External";
            gateway.Environment["Metering__Broker__Port"] = Port(mosquitto.Port);
        }
        gateway.Start();
        using var village = mode == Mode.Bridged ? Mosquitto.Unbounded($"""
            connection gateway
            address 127.0.0.1:{gateway.BrokerPort}
            clientid village-bridge
            cleansession false
            topic commons/v1/+/+/up/# out 1
            topic commons/v1/+/+/down/# in 1
            """) : null;
        village?.Start();
        var port = village?.Port ?? mosquitto?.Port ?? gateway.BrokerPort;
        using var http = gateway.CreateHttpClient();
        var name = mode switch
        {
            Mode.Embedded => "embedded broker -> ledger -> influxd",
            Mode.External => "mosquitto -> gateway -> ledger -> influxd",
            _ => "village mosquitto =bridge=> embedded broker -> ledger -> influxd",
        };
        var result = await WithBrokerLogAsync(village ?? mosquitto, () => TimeLoadAsync(port, gateway.Pid,
            async () => (long)Prometheus.Sum(await http.GetStringAsync("metrics", cancel), "metering_readings_ingested_total"), name, cancel));
        var metrics = await http.GetStringAsync("metrics", cancel);
        log.WriteLine($"  confirmations sent {Prometheus.Sum(metrics, "metering_confirmations_sent_total"):F0}, " +
                      $"rate_limited {Prometheus.Sum(metrics, "metering_rejected_total{reason=\"rate_limited\"}"):F0}");
        return result;
    }

    /// <summary>A timeout names what mosquitto said (e.g. that it dropped a client's messages).</summary>
    private static async Task<Result> WithBrokerLogAsync(Mosquitto? broker, Func<Task<Result>> run)
    {
        try
        {
            return await run();
        }
        catch (TimeoutException e) when (broker is not null)
        {
            throw new TimeoutException($"{e.Message}; mosquitto said:\n{broker.Output}", e);
        }
    }

    /// <summary>Announces each publisher's meter as confirming, sends the warm-up and waits until
    /// <paramref name="arrived"/> counts it, then times the rest until it counts everything.</summary>
    private async Task<Result> TimeLoadAsync(int port, int? serverPid, Func<Task<long>> arrived, string name, CancellationToken cancel)
    {
        _run++;
        var meters = Enumerable.Range(0, publishers).Select(i => $"p{_run:D2}-{i:D2}").ToArray();
        foreach (var meter in meters)
            await RunAsync(ServerProcess.Require("mosquitto_pub", "mosquitto-clients"), cancel, "-h", "127.0.0.1", "-p", Port(port), "-q", "1", "-r", "-i", meter,
                "-t", $"commons/v1/{Community}/{meter}/up/status", "-m", "{\"v\":1,\"state\":\"online\",\"fw\":\"bench\",\"confirm\":2}");
        var baseline = await arrived();
        await PublishAllAsync(port, meters, 0, warmupPerPublisher, cancel);
        await UntilAsync(arrived, baseline + (long)publishers * warmupPerPublisher, cancel);
        using var server = Process.GetProcessById(serverPid ?? throw new InvalidOperationException($"{name}: not running"));
        var cpu = new E2eBenchmark.CpuPerReading(server);
        var total = (long)publishers * timedPerPublisher;
        var watch = Stopwatch.StartNew();
        await PublishAllAsync(port, meters, warmupPerPublisher, timedPerPublisher, cancel);
        await UntilAsync(arrived, baseline + (long)publishers * (warmupPerPublisher + timedPerPublisher), cancel);
        watch.Stop();
        var (serverUs, _) = cpu.Stop(total);
        return new Result(name, total, watch.Elapsed, serverUs);
    }

    /// <summary>One mosquitto_pub -l per meter, its lines written and its input closed: mosquitto_pub
    /// reads its input and runs its network loop on one thread, so while it waits for more lines
    /// it sends nothing, and the last messages would wait for input that never comes. At the end of
    /// its input it sends what is left and exits.</summary>
    private async Task PublishAllAsync(int port, string[] meters, int from, int count, CancellationToken cancel)
    {
        var pubs = meters.Select(m => StartPublisher(port, m)).ToArray();
        try
        {
            await Task.WhenAll(pubs.Select(async (p, i) =>
            {
                await p.StandardInput.WriteAsync(Lines(meters[i], from, count));
                p.StandardInput.Close();
            }));
            await Task.WhenAll(pubs.Select(p => p.WaitForExitAsync(cancel))).WaitAsync(Deadline, cancel);
        }
        finally
        {
            foreach (var p in pubs)
            {
                if (!p.HasExited) p.Kill();
                p.Dispose();
            }
        }
    }

    private static async Task UntilAsync(Func<Task<long>> arrived, long target, CancellationToken cancel)
    {
        var watch = Stopwatch.StartNew();
        while (await arrived() < target)
        {
            if (watch.Elapsed > Deadline) throw new TimeoutException($"only {await arrived()} of {target} arrived within {Deadline}");
            await Task.Delay(20, cancel);
        }
    }

    private Process StartPublisher(int port, string meter)
    {
        var psi = new ProcessStartInfo(ServerProcess.Require("mosquitto_pub", "mosquitto-clients")) { RedirectStandardInput = true, UseShellExecute = false };
        foreach (var a in new[] { "-h", "127.0.0.1", "-p", Port(port), "-q", "1", "-i", meter, "-t", $"commons/v1/{Community}/{meter}/up/reading", "-l" })
            psi.ArgumentList.Add(a);
        return Process.Start(psi)!;
    }

    /// <summary>Readings <paramref name="from"/>+1 .. <paramref name="from"/>+<paramref name="count"/>
    /// of one meter, 100 ms apart, one JSON per line.</summary>
    private string Lines(string meter, int from, int count)
    {
        var sb = new StringBuilder(count * 80);
        for (int i = from + 1; i <= from + count; i++)
            sb.Append(CultureInfo.InvariantCulture, $"{{\"v\":1,\"seq\":{i},\"ts\":{_startUnixMs + i * 100L},\"ch\":[{{\"n\":\"main\",\"u\":\"Wh\",\"reg\":{i * 7L}}}]}}\n");
        return sb.ToString();
    }

    private static async Task RunAsync(string file, CancellationToken cancel, params string[] args)
    {
        using var p = Process.Start(new ProcessStartInfo(file, args) { UseShellExecute = false })!;
        await p.WaitForExitAsync(cancel);
        if (p.ExitCode != 0) throw new InvalidOperationException($"{file} exited with {p.ExitCode}");
    }

    private static string Port(int port) => port.ToString(CultureInfo.InvariantCulture);
}
