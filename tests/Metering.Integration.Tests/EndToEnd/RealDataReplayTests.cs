using System.Globalization;
using Commons.Metering.Firmware.Host.Fleet;
using Commons.Metering.Firmware.Host.Mqtt;
using Commons.Metering.Firmware.Host.Replay;
using Commons.Metering.Testing;
using Commons.Metering.Testing.Servers;
using Microsoft.Data.Sqlite;

namespace Commons.Metering.Tests.EndToEnd;

/// <summary>Real-data test: slices of real household data (tests/data, with their
/// licences) replayed through the real firmware core, an MQTT broker and the gateway process:
/// each household's ledger equals the data's sum of positive register steps, and every register
/// decrease in the data is flagged by the gateway, no more, no fewer.</summary>
[Trait("Category", "Integration")]
public sealed class RealDataReplayTests
{
    [Fact]
    public async Task DaiadWater_ThroughEmbeddedBroker_LedgerEqualsPositiveSteps_AndEveryDecreaseIsFlagged()
    {
        var data = DaiadCsv.Read(DataFile("daiad", "daiad_trialA_5households_2017-03-13_30.csv"));
        using var gateway = new GatewayProcess();
        gateway.Environment["Metering__Registry__AutoRegister"] = "true";
        gateway.Start();
        await ReplayAndCheckAsync(data, MeterKind.Water, "127.0.0.1", gateway.BrokerPort, gateway);
    }

    [Fact]
    public async Task OpsdCircuits_ThroughMosquittoAndExternalMode_LedgerEqualsPositiveSteps_AndVictoriaMetricsHoldsEachReadingOnce()
    {
        var data = OpsdCsv.Read(DataFile("opsd", "power_of_residential_4_2015-10.csv"));
        using var mosquitto = new Mosquitto();
        mosquitto.Start();
        using var vm = VictoriaMetrics.StartNew();
        using var gateway = new GatewayProcess();
        gateway.Environment["Metering__Broker__Mode"] = "External";
        gateway.Environment["Metering__Broker__Port"] = mosquitto.Port.ToString(CultureInfo.InvariantCulture);
        gateway.Environment["Metering__Registry__AutoRegister"] = "true";
        gateway.Environment["Metering__Influx__Kind"] = "V2";
        gateway.Environment["Metering__Influx__Url"] = vm.Url;
        gateway.Environment["Metering__Influx__Token"] = "unused-by-victoria-metrics";
        gateway.Environment["Metering__Influx__Org"] = "commons";
        gateway.Environment["Metering__Influx__Bucket"] = "metering";
        gateway.Start();

        await ReplayAndCheckAsync(data, MeterKind.Energy, "127.0.0.1", mosquitto.Port, gateway);

        using var http = gateway.CreateHttpClient();
        await LedgerProbe.WaitForSinkDrainAsync(http, TimeSpan.FromMinutes(1));
        var rows = LedgerProbe.LedgerRows(gateway.DataDirectory);
        var expectedSamples = (int)rows.Values.Sum(r => r.Count);
        await vm.ForceFlushAsync();
        var series = await vm.WaitForSamplesAsync("{__name__=\"reading_usage\"}", expectedSamples, TimeSpan.FromSeconds(30));
        Assert.Equal(expectedSamples, series.Sum(s => s.Values.Count));
        foreach (var s in series)
        {
            var key = (s.Labels["meter"], s.Labels["channel"]);
            Assert.Equal(rows[key].Usage, (long)s.Values.Sum());
        }
    }

    private static async Task ReplayAndCheckAsync(Dataset data, MeterKind kind, string host, int port, GatewayProcess gateway)
    {
        using var flash = new TempDir("replay");
        var result = await DatasetReplayer.RunAsync(data.Rows, kind, new ReplayOptions
        {
            Broker = new MqttBrokerOptions { Host = host, Port = port },
            DataDirectory = flash.Path,
            Community = "replay",
            TimeShiftMs = DatasetReplayer.ShiftEndingAt(data.Rows, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()),
            DrainTimeout = TimeSpan.FromSeconds(60),
        });
        Assert.Null(result.Fault);
        Assert.True(result.Drained, $"replay did not drain: {result.RowsFed}/{result.RowsTotal}\n{gateway.Output}");

        // The broker acknowledged every reading to the devices; with an external broker the
        // gateway may still be committing its backlog: wait for one reading per (meter, row time).
        var readings = data.Rows.Select(r => (r.MeterId, r.UnixMs)).Distinct().Count();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (LedgerProbe.CommittedReadings(gateway.DataDirectory) < readings)
        {
            Assert.True(DateTime.UtcNow < deadline, $"{LedgerProbe.CommittedReadings(gateway.DataDirectory)} of {readings} readings committed\n{gateway.Output}");
            await Task.Delay(100);
        }
        Assert.Equal(readings, LedgerProbe.CommittedReadings(gateway.DataDirectory));

        var expected = ExpectedLedger.Compute(data.Rows);
        Assert.True(expected.Channels.Count > 0);
        using var http = gateway.CreateHttpClient();
        var flags = DecreaseFlags(gateway.DataDirectory);
        foreach (var c in expected.Channels)
        {
            Assert.Equal((c.MeterId, c.Channel, c.Usage), (c.MeterId, c.Channel, await LedgerProbe.UsageAsync(http, c.MeterId, c.Channel)));
            Assert.Equal((c.MeterId, c.Channel, c.Decreases), (c.MeterId, c.Channel, flags.GetValueOrDefault((c.MeterId, c.Channel))));
        }
        var metrics = await http.GetStringAsync("metrics");
        Assert.Contains($"metering_flagged_total{{flag=\"register_decrease\"}} {expected.TotalDecreases}\n", metrics);
    }

    private static Dictionary<(string, string), int> DecreaseFlags(string dataDirectory)
    {
        var result = new Dictionary<(string, string), int>();
        using var db = new SqliteConnection($"Data Source={Path.Combine(dataDirectory, "metering.db")};Mode=ReadOnly;Pooling=False");
        db.Open();
        using var cmd = db.CreateCommand();
        cmd.CommandText = "SELECT meter, channel, count(*) FROM reading_channels WHERE flag = 'register_decrease' GROUP BY meter, channel";
        using var r = cmd.ExecuteReader();
        while (r.Read()) result[(r.GetString(0), r.GetString(1))] = r.GetInt32(2);
        return result;
    }

    private static string DataFile(string folder, string name)
    {
        return RepoPaths.Of("tests", "data", folder, name);
    }
}
