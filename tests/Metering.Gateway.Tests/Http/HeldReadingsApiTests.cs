using Commons.Metering.Gateway.Domain;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Commons.Metering.Gateway.Auth;
using Commons.Metering.Gateway.PolicyRuntime;
using Commons.Metering.Gateway.Ingest;
using Commons.Metering.Gateway.Ledger;
using Commons.Metering.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Commons.Metering.Gateway.Tests.Http;

/// <summary>The held-readings API in-process on free ports under a one-household energy policy: who
/// may list and decide, the reason required, the decision audited in the policy chain with who and why,
/// and an accepted rise reaching the household's use in the policy once.</summary>
[Trait("Category", "Integration")]
public sealed class HeldReadingsApiTests
{
    private const string Policy = """
        version: 1
        community: testville
        council: { k: 1, members: [amina] }
        households:
          - { id: h1, persons: 1, meters: [{ id: e-h1, resource: energy, channels: [{ id: heater, use: discretionary }] }] }
        resources:
          energy: { period: month, cap: 100_000_000, floor_per_person: 1, sharing: per_household }
        """;

    [Fact]
    public async Task TechniciansAndAdministratorsList_OnlyATechnicianDecides_WithAReason_AuditedAndCountedOnce()
    {
        using var dir = new TempDir("held-api");
        var policyFile = Path.Combine(dir.Path, "policy.yaml");
        await File.WriteAllTextAsync(policyFile, Policy);
        await using var gw = new InProcessGateway();
        await gw.StartAsync(new Dictionary<string, string?> { ["Metering:Policy:File"] = policyFile });
        var accounts = gw.Services.GetRequiredService<AccountStore>();
        Assert.True(accounts.Add("mira", Role.Member, "h1", null).Ok);
        using var member = gw.Client(accounts.AddToken("mira", "test", TimeSpan.FromDays(1)).Secret!);
        using var tech = gw.Client(gw.Token("tess", Role.Technician));
        using var admin = gw.Client(gw.Token("ada", Role.Administrator));
        using var council = gw.Client(gw.Token("amina", Role.Council));
        using var anonymous = gw.Client(null);

        Assert.Equal(HttpStatusCode.Created, (await tech.PostAsJsonAsync("api/v1/meters", new { id = "e-h1", community = "testville", resource = "energy" })).StatusCode);
        var ledger = gw.Services.GetRequiredService<LedgerWriter>();
        var meter = new MeterInfo("e-h1", "testville", Resource.Energy);
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        Task<LedgerOutcome> Reading(long seq, long tsMs, long wh) => ledger.SubmitAsync(new ReadingWrite(meter,
            new Reading(seq, tsMs, [new ChannelRegister("heater", Resource.Energy, wh)], null), tsMs), CancellationToken.None);
        await Reading(1, now - 120_000, 1_000);
        Assert.Equal([ReadingFlag.ImplausibleRate], (await Reading(2, now - 60_000, 10_001_000)).Flags);

        foreach (var (client, allowed) in new[] { (tech, true), (admin, true), (council, false), (member, false) })
            Assert.Equal(allowed ? HttpStatusCode.OK : HttpStatusCode.Forbidden, (await client.GetAsync("api/v1/readings/held")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("api/v1/readings/held")).StatusCode);
        var held = Assert.Single((await admin.GetFromJsonAsync<JsonElement>("api/v1/readings/held")).EnumerateArray());
        Assert.Equal(("e-h1", "heater", 2L, 10_000_000L, "Wh"), (held.GetProperty("meter").GetString(), held.GetProperty("channel").GetString(),
            held.GetProperty("seq").GetInt64(), held.GetProperty("rise").GetInt64(), held.GetProperty("unit").GetString()));

        const string accept = "api/v1/readings/held/e-h1/heater/2/accept";
        var why = new { reason = "register read on site: 10,001,000 Wh, a sauna heater left on while the device was offline" };
        foreach (var client in new[] { admin, council, member })
            Assert.Equal(HttpStatusCode.Forbidden, (await client.PostAsJsonAsync(accept, why)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.PostAsJsonAsync(accept, why)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await tech.PostAsJsonAsync(accept, new { reason = " " })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await tech.PostAsJsonAsync("api/v1/readings/held/nobody/heater/2/accept", why)).StatusCode);
        Assert.Single((await admin.GetFromJsonAsync<JsonElement>("api/v1/readings/held")).EnumerateArray()); // refusals changed nothing

        var accepted = await tech.PostAsJsonAsync(accept, why);
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        var body = await accepted.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(("reading.accepted", 10_000_000L, "tess"), (body.GetProperty("decision").GetString(), body.GetProperty("usage").GetInt64(), body.GetProperty("by").GetString()));
        Assert.Equal(HttpStatusCode.Conflict, (await tech.PostAsJsonAsync(accept, why)).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await tech.PostAsJsonAsync("api/v1/readings/held/e-h1/heater/2/reject", why)).StatusCode);
        Assert.Empty((await tech.GetFromJsonAsync<JsonElement>("api/v1/readings/held")).EnumerateArray());

        var runtime = gw.Services.GetRequiredService<ICommonsRuntime>();
        var record = runtime.Audit(20).First(r => r.Kind == "reading.accepted");
        Assert.Equal(("tess", "technician"), (record.Actor, record.Role));
        Assert.Contains("sauna heater", record.PayloadJson, StringComparison.Ordinal);
        Assert.True(runtime.VerifyAudit().Ok);

        long Used() => runtime.Household("h1")!.Resources.Single(r => r.Resource == Resource.Energy).Used;
        await Poll.UntilOrFailAsync(() => Used() == 10_000_000, TimeSpan.FromSeconds(30), () => $"used {Used()}");
        await Reading(3, now, 10_001_300);
        await Poll.UntilOrFailAsync(() => Used() == 10_000_300, TimeSpan.FromSeconds(30), () => $"used {Used()}");
    }
}
