using System.CommandLine;
using Commons.Metering.Bench;

// Commons Metering benchmarks: each command measures, prints the machine, the figures and
// their ratio to a reference measured in the same run, and exits 3 when a target is missed.
var meters = new Option<int>("--meters") { Description = "Simulated meters (MQTT clients)", DefaultValueFactory = _ => 100 };
var perMeter = new Option<int>("--readings-per-meter") { Description = "Readings each meter publishes", DefaultValueFactory = _ => 500 };
var noSink = new Option<bool>("--no-sink") { Description = "Run the gateway without InfluxDB (ledger only), to see what the sink costs" };
var e2e = new Command("e2e", "End-to-end readings/s (publish -> ledger commit -> InfluxDB accepted), embedded broker and mosquitto, against mosquitto's broker-only rate.")
{
    meters, perMeter, noSink,
};
e2e.SetAction((r, cancel) => new E2eBenchmark(r.GetValue(meters), r.GetValue(perMeter), !r.GetValue(noSink), Console.Out).RunAsync(cancel));

var ledger = new Command("ledger", "The ledger alone (in-process pipeline + SQLite writer, no MQTT): readings/s and writer time per reading, against plain durable INSERTs on the same disk.")
{
    meters, perMeter,
};
ledger.SetAction((r, cancel) => new LedgerBenchmark(r.GetValue(meters), r.GetValue(perMeter), Console.Out).RunAsync());

var coreReadings = new Option<int>("--readings") { Description = "Readings measured after warm-up", DefaultValueFactory = _ => 100_000 };
var core = new Command("core", "The firmware core on the host: bytes allocated and time per reading in steady state.") { coreReadings };
core.SetAction(r => new CoreBenchmark(r.GetValue(coreReadings), Console.Out).Run());

var datasets = new Option<string>("--datasets") { Description = "Folder holding daiad/ and opsd/", DefaultValueFactory = _ => "../shared/datasets" };
var datasetCommand = new Command("datasets", "Parses the full real datasets, checks the figures their README states, and measures parse throughput.") { datasets };
datasetCommand.SetAction(r => new DatasetBenchmark(r.GetValue(datasets)!, Console.Out).Run());

var fuzzInputs = new Option<long>("--inputs") { Description = "Hostile inputs to run", DefaultValueFactory = _ => 1_000_000 };
var fuzzVectors = new Option<string>("--vectors") { Description = "Golden vectors folder", DefaultValueFactory = _ => "tests/vectors/v1" };
var fuzz = new Command("fuzz", "Hostile uplinks through the real pipeline and ledger: inputs/s, the reasons histogram, a valid stream kept exact.") { fuzzInputs, fuzzVectors };
fuzz.SetAction(r => new FuzzBenchmark(r.GetValue(fuzzInputs), r.GetValue(fuzzVectors)!, Console.Out).RunAsync());

var root = new RootCommand("Commons Metering benchmarks (see docs/benchmarks.md)") { e2e, ledger, core, datasetCommand, fuzz };
return await root.Parse(args).InvokeAsync();
