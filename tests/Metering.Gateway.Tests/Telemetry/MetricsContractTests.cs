using Commons.Metering.Gateway.Auth;
using Commons.Metering.Gateway.Tests.Http;
using Commons.Metering.Gateway.Tests.Policy;
using Commons.Metering.Testing;

namespace Commons.Metering.Gateway.Tests.Telemetry;

/// <summary>What /metrics shows is a contract: docs/operations.md, the Grafana dashboard, alerts and the
/// bench read these names. A gateway with every feature that has metrics (policy runtime, an InfluxDB
/// sink, broker TLS, sign-in, backup status) must show exactly the series (names and labels) and the
/// help texts and types of metrics-contract.txt, whichever library records them.</summary>
[Trait("Category", "Integration")]
public sealed class MetricsContractTests
{
    private static readonly string ContractFile = RepoPaths.Of("tests", "Metering.Gateway.Tests", "Telemetry", "metrics-contract.txt");

    [Fact]
    public async Task Metrics_ShowTheContractsFamiliesHelpTypesAndSeries()
    {
        using var certs = new TestCertificates();
        await using var gw = new InProcessGateway();
        await gw.StartAsync(new Dictionary<string, string?>
        {
            ["Metering:Broker:Tls:Port"] = FreePort.Next().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Metering:Broker:Tls:CertificateFile"] = certs.ServerPfxFile,
            ["Metering:Broker:Tls:Password"] = TestCertificates.PfxPassword,
            ["Metering:Policy:File"] = PolicyFiles.VillagePath,
            // A sink toward a port nobody listens on: its series exist whether or not it delivers.
            ["Metering:Influx:Kind"] = "V1",
            ["Metering:Influx:Url"] = $"http://127.0.0.1:{FreePort.Next()}",
            ["Metering:Influx:Database"] = "metering",
        });
        using var tech = gw.Client(gw.Token("tess", Role.Technician));
        // Resolve what is built on first use: the backup status (/healthz) and the token check.
        (await tech.GetAsync("healthz")).Dispose();
        (await tech.GetAsync("api/v1/meters")).EnsureSuccessStatusCode().Dispose();

        var actual = Skeleton(await tech.GetStringAsync("metrics"));

        if (Environment.GetEnvironmentVariable("METERING_WRITE_METRICS_CONTRACT") == "1")
            await File.WriteAllLinesAsync(ContractFile, actual);
        var expected = (await File.ReadAllLinesAsync(ContractFile)).Where(l => l.Length > 0).ToList();
        Assert.True(expected.SequenceEqual(actual),
            "/metrics differs from metrics-contract.txt\nmissing:\n  " + string.Join("\n  ", expected.Except(actual)) +
            "\nunexpected:\n  " + string.Join("\n  ", actual.Except(expected)));
    }

    /// <summary>Every line without its value (values depend on the run): HELP and TYPE lines whole,
    /// series as name and labels. Sorted, so the order families are written in does not matter. HELP and
    /// TYPE of a family that has no series yet are left out: a scraper stores samples, and a labelled
    /// family without any is nothing to it (prometheus-net writes them, a meter listener cannot know the
    /// labels before the first measurement).</summary>
    internal static List<string> Skeleton(string text)
    {
        var lines = text.Split('\n').Where(l => l.Length > 0).ToList();
        var series = lines.Where(l => !l.StartsWith('#')).Select(l => l[..l.LastIndexOf(' ')]).ToList();
        var families = series.Select(s => s.Split('{')[0]).ToHashSet(StringComparer.Ordinal);
        var metadata = lines.Where(l => l.StartsWith('#') && HasSeries(l.Split(' ')[2]));
        return metadata.Concat(series).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();

        // A histogram's or summary's series carry suffixes (_bucket, _sum, _count).
        bool HasSeries(string family) => families.Contains(family) || families.Any(f => f.StartsWith(family + "_", StringComparison.Ordinal)
            && f[(family.Length + 1)..] is "bucket" or "sum" or "count");
    }

    [Fact]
    public void Skeleton_DropsValues_AndFamiliesWithoutSeries()
    {
        var lines = Skeleton("# HELP a_total Things.\n# TYPE a_total counter\na_total{k=\"v w\"} 3\na_total{k=\"x\"} 1.5e+06\n" +
            "# HELP b_total None yet.\n# TYPE b_total counter\n# HELP c Spread.\n# TYPE c histogram\nc_bucket{le=\"+Inf\"} 0\nc_sum 0\nc_count 0\n");
        Assert.Equal(["# HELP a_total Things.", "# HELP c Spread.", "# TYPE a_total counter", "# TYPE c histogram",
            "a_total{k=\"v w\"}", "a_total{k=\"x\"}", "c_bucket{le=\"+Inf\"}", "c_count", "c_sum"], lines);
    }
}
