using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using Commons.Metering.Testing;
using Commons.Metering.Testing.Servers;
using Commons.Metering.Tests.Gateway;
using Npgsql;
using Xunit.Abstractions;

namespace Commons.Metering.Tests.EndToEnd;

/// <summary>tools/cluster.sh up --gateways 2 and down once: three NATS nodes, PostgreSQL primary with its
/// synchronous standby, two gateway instances sharing two communities through the lease and a one-meter
/// fleet in each; each instance owns one community, readings of both reach the ledger on the primary
/// through the cluster, and down leaves no process and no folder behind.</summary>
[Trait("Category", "Integration")]
public sealed class ClusterScriptTests(ITestOutputHelper output)
{
    [Fact]
    public async Task UpWithTwoGateways_EachOwnsAShare_ReadingsReachTheReplicatedLedger_AndNothingIsLeftBehind()
    {
        ServerProcess.Require("nats-server", NatsCluster.DebianPackage);
        // Not under a TempDir (mode 700): as root the script runs PostgreSQL as 'postgres', which must reach the folder.
        var dir = Path.Combine(Path.GetTempPath(), $"metering-cluster-{Guid.NewGuid():N}");
        var watch = Stopwatch.StartNew();
        try
        {
            var (code, up) = Script("up", "--dir", dir, "--gateways", "2", "--meters", "1");
            output.WriteLine($"{watch.Elapsed.TotalSeconds,5:F1} s: up\n{up}");
            Assert.True(code == 0, $"exit {code}\n{up}\n{Logs(dir)}");
            var state = File.ReadAllLines(Path.Combine(dir, "state.env"))
                .Select(l => l.Split('=', 2)).ToDictionary(p => p[0], p => p[1].Trim('"'));

            // Each instance owns one of the two communities, and never both the same.
            var owned = new List<string>();
            foreach (var g in new[] { "GATEWAY_1_HTTP", "GATEWAY_2_HTTP" })
            {
                using var instance = new HttpClient { BaseAddress = new Uri(state[g] + "/"), Timeout = TimeSpan.FromSeconds(10) };
                string[] share = [];
                await GatewayApi.EventuallyAsync(async () =>
                {
                    var body = await instance.GetFromJsonAsync<JsonElement>("api/v1/cluster");
                    share = body.GetProperty("owned").EnumerateArray().Select(e => e.GetString()!).ToArray();
                    return share.Length == 1;
                }, TimeSpan.FromSeconds(30), () => Logs(dir));
                owned.AddRange(share);
            }
            Assert.Equal(["cluster-1", "cluster-2"], owned.Order().ToArray());
            output.WriteLine($"{watch.Elapsed.TotalSeconds,5:F1} s: each instance owns one community");

            using var http = new HttpClient { BaseAddress = new Uri(state["GATEWAY_HTTP"] + "/"), Timeout = TimeSpan.FromSeconds(10) };
            await GatewayApi.EventuallyAsync(async () =>
            {
                var meters = await http.GetStringAsync("api/v1/meters");
                return meters.Contains("\"w-0001\"", StringComparison.Ordinal) && meters.Contains("\"w-0002\"", StringComparison.Ordinal);
            }, TimeSpan.FromSeconds(30), () => Logs(dir));

            // The ledger is on the primary, and the standby confirms each commit (synchronous).
            await using var primary = new NpgsqlConnection($"Host=127.0.0.1;Port={state["PG_PRIMARY"]};Username=postgres;Database=metering;Pooling=false");
            await primary.OpenAsync();
            await using var replication = new NpgsqlCommand("SELECT application_name || ':' || sync_state FROM pg_stat_replication", primary);
            Assert.Equal("standby:sync", (string?)await replication.ExecuteScalarAsync());
            output.WriteLine($"{watch.Elapsed.TotalSeconds,5:F1} s: readings in the ledger, standby synchronous");
        }
        finally
        {
            var pids = Directory.Exists(dir) ? Directory.GetFiles(dir, "*.pid").Select(f => int.Parse(File.ReadAllText(f).Trim(), System.Globalization.CultureInfo.InvariantCulture)).ToList() : [];
            var (code, down) = Script("down", "--dir", dir);
            output.WriteLine($"{watch.Elapsed.TotalSeconds,5:F1} s: down\n{down}");
            Assert.Equal(0, code);
            Assert.False(Directory.Exists(dir), $"{dir} is still there");
            Assert.All(pids, pid => Assert.False(Alive(pid), $"process {pid} outlived `cluster.sh down`"));
        }
    }

    /// <summary>Running: a /proc entry that is not a zombie (an exited process nobody reaped yet).</summary>
    private static bool Alive(int pid)
    {
        try { return File.ReadAllText($"/proc/{pid}/stat").Split(") ")[^1][0] != 'Z'; }
        catch (IOException) { return false; }
    }

    private static string Logs(string dir) => !Directory.Exists(dir) ? "" :
        string.Join('\n', Directory.GetFiles(dir, "*.log").Select(f => $"===== {Path.GetFileName(f)}\n{ChaosTail(File.ReadAllText(f))}"));

    private static string ChaosTail(string text) => text.Length <= 3000 ? text : text[^3000..];

    private static (int Code, string Output) Script(params string[] args)
    {
        var psi = new ProcessStartInfo(RepoPaths.Of("tools", "cluster.sh")) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
#if DEBUG
        psi.Environment["METERING_CONFIGURATION"] = "Debug";
#else
        psi.Environment["METERING_CONFIGURATION"] = "Release";
#endif
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromSeconds(150))) // the script's own waits add up to less
        {
            p.Kill(entireProcessTree: true);
            return (-1, "cluster.sh did not finish: " + stdout.Result + stderr.Result);
        }
        return (p.ExitCode, stdout.Result + stderr.Result);
    }
}
