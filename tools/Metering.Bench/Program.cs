using System.CommandLine;
using Commons.Metering.Bench;

// Commons Metering benchmarks: each command measures, prints the machine, the figures and
// their ratio to a reference measured in the same run, and exits 3 when a target is missed.
var meters = new Option<int>("--meters") { Description = "Simulated meters (MQTT clients)", DefaultValueFactory = _ => 100 };
var perMeter = new Option<int>("--readings-per-meter") { Description = "Readings each meter publishes", DefaultValueFactory = _ => 500 };
var noSink = new Option<bool>("--no-sink") { Description = "Run the gateway without InfluxDB (ledger only), to see what the sink costs" };
var warmup = new Option<int>("--warmup") { Description = "Readings per meter in each warm-up step before the clock starts, in every run; steps go on until the JIT settled (steady state, not JIT start-up)", DefaultValueFactory = _ => E2eBenchmark.DefaultWarmup };
var maxWarmup = new Option<int>("--max-warmup") { Description = "Warm-up readings per meter at most", DefaultValueFactory = _ => E2eBenchmark.DefaultMaxWarmup };
// e2e's own default: 2,000 per meter (200,000 readings, ~15-20 s per gateway run) measures the steady
// state; with 500 the timed part (~5 s) still held the gateway's tiered JIT work (a quarter of its
// CPU then) and the last sink write (docs/benchmarks.md, `e2e`).
var e2ePerMeter = new Option<int>("--readings-per-meter") { Description = "Readings each meter publishes in the timed part", DefaultValueFactory = _ => E2eBenchmark.DefaultReadingsPerMeter };
var rounds = new Option<int>("--rounds") { Description = "Rounds of reference, embedded, external; the median ratio decides", DefaultValueFactory = _ => E2eBenchmark.DefaultRounds };
var e2e = new Command("e2e", "End-to-end readings/s (publish -> ledger commit -> InfluxDB accepted), embedded broker and mosquitto, each against its broker's broker-only rate.")
{
    meters, e2ePerMeter, noSink, warmup, maxWarmup, rounds,
};
e2e.SetAction((r, cancel) => new E2eBenchmark(r.GetValue(meters), r.GetValue(e2ePerMeter), !r.GetValue(noSink), Console.Out, r.GetValue(warmup), r.GetValue(maxWarmup)).RunAsync(cancel, r.GetValue(rounds)));
var brokerPort = new Option<int>("--port") { Description = "Port on 127.0.0.1", Required = true };
var broker = new Command("broker", "The gateway's embedded broker alone, with the gateway's options (e2e's broker-only reference for it); runs until stopped.") { brokerPort };
broker.SetAction((r, cancel) => BareBroker.RunAsync(r.GetValue(brokerPort), Console.Out, cancel));
var e2ePolicy = new Command("e2e-policy", "The end-to-end run without and with the policy runtime (same load): throughput ratio (target >= 0.9x) and trip latency p50/p99 under load.") { meters, perMeter, noSink, warmup, maxWarmup };
e2ePolicy.SetAction((r, cancel) => new E2eBenchmark(r.GetValue(meters), r.GetValue(perMeter), !r.GetValue(noSink), Console.Out, r.GetValue(warmup), r.GetValue(maxWarmup)).RunPolicyAsync(cancel));

var ledger = new Command("ledger", "The ledger alone (in-process pipeline + SQLite writer, no MQTT): readings/s and writer time per reading, against plain durable INSERTs on the same disk.")
{
    meters, perMeter,
};
ledger.SetAction((r, cancel) => new LedgerBenchmark(r.GetValue(meters), r.GetValue(perMeter), Console.Out).RunAsync());

var sinkLines = new Option<int>("--lines") { Description = "Readings (lines) to deliver in each round", DefaultValueFactory = _ => 1_000_000 };
var sinkRounds = new Option<int>("--rounds") { Description = "Rounds of direct and sink (in turn first); the median ratio decides", DefaultValueFactory = _ => SinkBenchmark.DefaultRounds };
var sink = new Command("sink", "The InfluxDB sink (outbox -> drain -> influxd) against direct 5,000-line batched writes to the same influxd.") { sinkLines, sinkRounds };
sink.SetAction((r, cancel) => new SinkBenchmark(r.GetValue(sinkLines), Console.Out, r.GetValue(sinkRounds)).RunAsync(cancel));

var coreReadings = new Option<int>("--readings") { Description = "Readings measured after warm-up", DefaultValueFactory = _ => 100_000 };
var core = new Command("core", "The firmware core on the host: bytes allocated and time per reading in steady state.") { coreReadings };
core.SetAction(r => new CoreBenchmark(r.GetValue(coreReadings), Console.Out).Run());

var datasets = new Option<string>("--datasets") { Description = "Folder holding the full daiad/ and opsd/ files (tests/data/README.md says where they come from)", Required = true };
var datasetCommand = new Command("datasets", "Parses the full real datasets, checks the figures their README states, and measures parse throughput.") { datasets };
datasetCommand.SetAction(r => new DatasetBenchmark(r.GetValue(datasets)!, Console.Out).Run());

var fuzzInputs = new Option<long>("--inputs") { Description = "Hostile inputs to run", DefaultValueFactory = _ => 1_000_000 };
var fuzzVectors = new Option<string>("--vectors") { Description = "Golden vectors folder", DefaultValueFactory = _ => "tests/vectors/v1" };
var fuzz = new Command("fuzz", "Hostile uplinks through the real pipeline and ledger: inputs/s, the reasons histogram, a valid stream kept exact.") { fuzzInputs, fuzzVectors };
fuzz.SetAction(r => new FuzzBenchmark(r.GetValue(fuzzInputs), r.GetValue(fuzzVectors)!, Console.Out).RunAsync());

var memMeters = new Option<int>("--meters") { Description = "Registered meters", DefaultValueFactory = _ => 100_000 };
var memQueued = new Option<int>("--queued") { Description = "Readings queued in front of a stalled ledger writer (at most Ledger:QueueCapacity, 10,000)", DefaultValueFactory = _ => 10_000 };
var memory = new Command("memory", "Managed memory per registered meter and per queued reading (in-process ledger, full GC).") { memMeters, memQueued };
memory.SetAction(r => new MemoryBenchmark(r.GetValue(memMeters), r.GetValue(memQueued), Console.Out).RunAsync());

var scaleFew = new Option<int>("--few") { Description = "Devices of the reference run", DefaultValueFactory = _ => 100 };
var scaleMany = new Option<int>("--many") { Description = "Devices of the scaled run", DefaultValueFactory = _ => 10_000 };
var scaleReadings = new Option<int>("--readings") { Description = "Timed readings in each run (split over the devices)", DefaultValueFactory = _ => 20_000 };
var scaling = new Command("scaling", "Connection scaling: readings/s with 10,000 connected devices over 100, same total readings, embedded broker + gateway.") { scaleFew, scaleMany, scaleReadings };
scaling.SetAction((r, cancel) => new ScalingBenchmark(r.GetValue(scaleFew), r.GetValue(scaleMany), r.GetValue(scaleReadings), Console.Out).RunAsync(cancel));

var burstMeters = new Option<int>("--meters") { Description = "Meters in the fleet", DefaultValueFactory = _ => 10_000 };
var burstWindow = new Option<int>("--window-s") { Description = "Seconds within which every meter reports once", DefaultValueFactory = _ => 10 };
var burst = new Command("burst", "Every meter of a 10,000-meter fleet reports within 10 s: time until all committed, peak gateway memory.") { burstMeters, burstWindow };
burst.SetAction((r, cancel) => new BurstBenchmark(r.GetValue(burstMeters), r.GetValue(burstWindow), Console.Out).RunAsync(cancel));

var soakMinutes = new Option<int>("--minutes") { Description = "Duration of the soak", DefaultValueFactory = _ => 30 };
var soakMeters = new Option<int>("--meters") { Description = "Devices", DefaultValueFactory = _ => 100 };
var soakInterval = new Option<int>("--interval-s") { Description = "Seconds between printed samples", DefaultValueFactory = _ => 30 };
var soakRate = new Option<double>("--max-rate") { Description = "Maximum rate to halve (readings/s); 0 = measure it at the start", DefaultValueFactory = _ => 0 };
var soak = new Command("soak", "The fleet at half the measured maximum rate for --minutes: memory, outbox depths, latency over time; verdict whether memory stayed flat.") { soakMinutes, soakMeters, soakInterval, soakRate };
soak.SetAction((r, cancel) => new SoakBenchmark(r.GetValue(soakMinutes), r.GetValue(soakMeters), r.GetValue(soakInterval), r.GetValue(soakRate), Console.Out).RunAsync(cancel));

var routeFew = new Option<int>("--few") { Description = "Sessions in the reference run", DefaultValueFactory = _ => 100 };
var routeMany = new Option<int>("--many") { Description = "Sessions in the scaled runs", DefaultValueFactory = _ => 10_000 };
var routeCount = new Option<int>("--count") { Description = "Commands, then retained statuses, timed in each run", DefaultValueFactory = _ => 2_000 };
var routing = new Command("routing", "What one command to one meter and one retained status cost the embedded broker with 10,000 sessions over 100, and with a client watching everything.") { routeFew, routeMany, routeCount };
routing.SetAction((r, cancel) => new RoutingBenchmark(r.GetValue(routeFew), r.GetValue(routeMany), r.GetValue(routeCount), Console.Out).RunAsync(cancel));
var pipePublishers = new Option<int>("--publishers") { Description = "Publishers (mosquitto_pub -l -q 1), each one meter", DefaultValueFactory = _ => 10 };
var pipeWarmup = new Option<int>("--warmup-per-publisher") { Description = "Untimed readings each first", DefaultValueFactory = _ => 5_000 };
var pipeTimed = new Option<int>("--per-publisher") { Description = "Timed readings each", DefaultValueFactory = _ => 20_000 };
var pipeRounds = new Option<int>("--rounds") { Description = "Rounds of broker only, embedded, external, bridged; the median ratio decides", DefaultValueFactory = _ => 3 };
var pipelined = new Command("pipelined", "Pipelined publishers (20 in flight each) through the embedded broker, mosquitto and a bridged village broker into the ledger, against mosquitto to one subscriber.") { pipePublishers, pipeWarmup, pipeTimed, pipeRounds };
pipelined.SetAction((r, cancel) => new PipelinedBenchmark(r.GetValue(pipePublishers), r.GetValue(pipeWarmup), r.GetValue(pipeTimed), Console.Out).RunAsync(r.GetValue(pipeRounds), cancel));
var clusterCommunities = new Option<int>("--communities") { Description = "Communities the cluster serves", DefaultValueFactory = _ => 6 };
var clusterMeters = new Option<int>("--meters-per-community") { Description = "Meters (MQTT clients) in each community", DefaultValueFactory = _ => 20 };
var clusterReadings = new Option<int>("--readings-per-meter") { Description = "Readings each meter publishes", DefaultValueFactory = _ => 200 };
var clusterKills = new Option<int>("--takeovers") { Description = "Kills of a community's owner (2 instances) for the takeover percentiles", DefaultValueFactory = _ => 20 };
var clusterLease = new Option<int>("--lease-s") { Description = "Metering:Cluster:LeaseSeconds (renewal every third of it)", DefaultValueFactory = _ => 10 };
var cluster = new Command("cluster", "Gateway instances on one PostgreSQL ledger and one mosquitto: readings/s with 1, 2 and 3 instances on the same load; takeover time p50/p99 after kill -9 of a community's owner.")
{
    clusterCommunities, clusterMeters, clusterReadings, clusterKills, clusterLease,
};
cluster.SetAction((r, cancel) => new ClusterBenchmark(r.GetValue(clusterCommunities), r.GetValue(clusterMeters), r.GetValue(clusterReadings),
    r.GetValue(clusterKills), r.GetValue(clusterLease), Console.Out).RunAsync(cancel));
var root = new RootCommand("Commons Metering benchmarks (see docs/benchmarks.md)") { e2e, broker, e2ePolicy, ledger, sink, core, datasetCommand, fuzz, memory, scaling, burst, soak, routing, pipelined, cluster };
return await root.Parse(args).InvokeAsync();
