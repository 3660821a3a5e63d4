using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Commons.Metering.Firmware.Drivers;
using Commons.Metering.Testing;

namespace Commons.Metering.Cli.Tests.Integration;

/// <summary>The technician's steps against the built gateway and command line: `seq restore` puts a
/// reflashed device's sequence above what the ledger holds into its config.json (read from the gateway,
/// a forged seq_jump reading left out), and `held list|accept|reject` decide a reading held as implausible.</summary>
[Trait("Category", "Integration")]
public sealed class SeqRestoreAndHeldTests
{
    private static string Reading(long seq, long tsMs, long registerMl) =>
        $"{{\"v\":1,\"seq\":{seq},\"ts\":{tsMs},\"ch\":[{{\"n\":\"main\",\"u\":\"mL\",\"reg\":{registerMl}}}]}}";

    [Fact]
    public async Task SeqRestore_WritesAFloorAboveTheLedgersHighWaterMark_WhichTheDevicesParserTakes()
    {
        using var gw = new GatewayProcess();
        gw.Start();
        using var fleet = new ProvisionedFleet(["w-0070"], gateway: gw.BaseUrl);
        await using (var device = new TestMqtt())
        {
            Assert.Null(await device.ConnectAsync(gw.BrokerPort, "w-0070", null, null));
            var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            // The embedded broker acknowledges a reading once the ledger committed it.
            await device.PublishAsync(ProvisionedFleet.Topic("w-0070", "up/reading"), Reading(1, now - 3_000, 100));
            await device.PublishAsync(ProvisionedFleet.Topic("w-0070", "up/reading"), Reading(5_000, now - 2_000, 200));
            await device.PublishAsync(ProvisionedFleet.Topic("w-0070", "up/reading"), Reading(1L << 60, now - 1_000, 300)); // seq_jump: evidence only
        }
        var config = Path.Combine(fleet.DeviceFolder("w-0070"), "config.json");
        var r = CliProcess.Run(fleet.Folder, "seq", "restore", "--meter", "w-0070", "--config", config, "--gateway", gw.BaseUrl.ToString());
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("seq up to 5000", r.Stdout);
        var bytes = File.ReadAllBytes(config);
        Assert.Equal(5_000 + SeqCommand.Margin, JsonNode.Parse(bytes)!["seq_floor"]!.GetValue<long>());
        var setup = new DeviceSetup();
        Assert.Null(new DeviceSetupParser().Parse(bytes, bytes.Length, setup));
        Assert.Equal(5_000 + SeqCommand.Margin, setup.Config.SeqFloor);
        if (!OperatingSystem.IsWindows()) Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(config));
        Assert.NotEmpty(JsonNode.Parse(bytes)!["mqtt"]!["password"]!.GetValue<string>()); // the rest of the file kept

        // Another meter's file is refused; a meter the gateway does not know says so.
        var wrong = CliProcess.Run(fleet.Folder, "seq", "restore", "--meter", "w-0071", "--config", config, "--gateway", gw.BaseUrl.ToString());
        Assert.Equal(ExitCodes.Usage, wrong.ExitCode);
        var other = JsonNode.Parse(bytes)!.AsObject();
        other["meter"] = "w-0099";
        var otherPath = Path.Combine(fleet.Folder, "w-0099.json");
        File.WriteAllText(otherPath, other.ToJsonString());
        var unknown = CliProcess.Run(fleet.Folder, "seq", "restore", "--meter", "w-0099", "--config", otherPath, "--gateway", gw.BaseUrl.ToString());
        Assert.Equal(ExitCodes.GatewayError, unknown.ExitCode);
        Assert.Contains("404", unknown.Stderr);
    }

    [Fact]
    public async Task HeldList_ShowsTheImplausibleReading_AcceptCountsIt_ASecondDecisionIsRefused()
    {
        using var gw = new GatewayProcess();
        gw.Environment["Metering__Registry__AutoRegister"] = "true";
        gw.Environment["Metering__Auth__Administrator"] = "admin";
        gw.Environment["Metering__Auth__AdministratorPassword"] = GatewayTokenTests.AdminPassword;
        gw.Start();
        using var work = new TempDir("cli-held");
        await using (var device = new TestMqtt())
        {
            Assert.Null(await device.ConnectAsync(gw.BrokerPort, "w-0072", null, null));
            var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            await device.PublishAsync(ProvisionedFleet.Topic("w-0072", "up/reading"), Reading(1, now - 120_000, 1_000));
            await device.PublishAsync(ProvisionedFleet.Topic("w-0072", "up/reading"), Reading(2, now - 60_000, 50_001_000)); // 50 m3 in a minute
        }
        // Decisions need a named technician: a token, never the open set-up access.
        var tech = new Dictionary<string, string> { ["METERING_API_TOKEN"] = await GatewayTokenTests.TokenOfNewAccountAsync(gw.BaseUrl, "tess", "technician") };
        var admin = new Dictionary<string, string> { ["METERING_API_TOKEN"] = await GatewayTokenTests.TokenOfNewAccountAsync(gw.BaseUrl, "ada", "administrator") };
        string[] Gateway(params string[] args) => [.. args, "--gateway", gw.BaseUrl.ToString()];
        var list = CliProcess.Run(work.Path, admin, Gateway("held", "list"));
        Assert.True(list.ExitCode == 0, list.ToString());
        Assert.Contains("w-0072 main seq 2", list.Stdout);
        Assert.Contains("rise 50000000 mL", list.Stdout);

        var noReason = CliProcess.Run(work.Path, tech, Gateway("held", "accept", "w-0072", "main", "2"));
        Assert.NotEqual(0, noReason.ExitCode);
        var byAdministrator = CliProcess.Run(work.Path, admin, Gateway("held", "accept", "w-0072", "main", "2", "--reason", "looks fine"));
        Assert.Equal(ExitCodes.GatewayError, byAdministrator.ExitCode);
        Assert.Contains("403", byAdministrator.Stderr);
        var accept = CliProcess.Run(work.Path, tech, Gateway("held", "accept", "w-0072", "main", "2", "--reason", "fire brigade filled its tank here"));
        Assert.True(accept.ExitCode == 0, accept.ToString());
        Assert.Contains("50000000 mL counted, by tess", accept.Stdout);
        var again = CliProcess.Run(work.Path, tech, Gateway("held", "reject", "w-0072", "main", "2", "--reason", "second thoughts"));
        Assert.Equal(ExitCodes.GatewayError, again.ExitCode);
        Assert.Contains("409", again.Stderr);
        Assert.Contains("No reading is held.", CliProcess.Run(work.Path, tech, Gateway("held", "list")).Stdout);

        using var http = new HttpClient { BaseAddress = gw.BaseUrl };
        http.DefaultRequestHeaders.Authorization = new("Bearer", tech["METERING_API_TOKEN"]);
        string Iso(DateTimeOffset t) => Uri.EscapeDataString(t.ToString("O", CultureInfo.InvariantCulture));
        var usage = await http.GetFromJsonAsync<JsonElement>(
            $"api/v1/meters/w-0072/usage?from={Iso(DateTimeOffset.UtcNow.AddDays(-1))}&to={Iso(DateTimeOffset.UtcNow.AddHours(1))}");
        Assert.Contains("50000000", usage.ToString()); // the accepted rise is in the ledger's usage
    }
}
