using Commons.Metering.Gateway.Options;
using Commons.Metering.Gateway.Domain;
using Commons.Metering.Gateway.Ingest;

namespace Commons.Metering.Gateway.Tests.Commons;

/// <summary>The council's and technicians' acts: emergencies by quorum with a sunset, policy proposals.</summary>
public class CommonsActsTests
{
    private readonly StorageProvider _provider;

    public CommonsActsTests() : this(StorageProvider.Sqlite)
    {
    }

    protected CommonsActsTests(StorageProvider provider) => _provider = provider;

    private async Task<CommonsHarness> StartedAsync()
    {
        var h = new CommonsHarness(TestPolicy.Yaml, provider: _provider);
        await h.StartAsync();
        return h;
    }

    [Fact]
    public async Task EmergencyByQuorum_HoldsStageThree_ExpiresAtItsSunset_AndARenewalWithoutQuorumIsRefusedAndAudited()
    {
        await using var h = await StartedAsync();
        Assert.False(h.Runtime.DeclareEmergency("mallory", "spring dry", TimeSpan.FromHours(2)).Accepted);
        var first = h.Runtime.DeclareEmergency("amina", "spring dry", TimeSpan.FromHours(2));
        Assert.Equal((true, "pending"), (first.Accepted, first.Id));
        Assert.Null(h.Runtime.Overview().Emergency?.Remaining is { } r && r > TimeSpan.Zero ? r : null);
        Assert.Equal(["amina"], h.Runtime.Overview().Emergency!.PendingSignatures);
        Assert.Equal("declared", h.Runtime.DeclareEmergency("bruno", "spring dry", TimeSpan.FromHours(2)).Id);
        await h.StepAsync();
        var overview = h.Runtime.Overview();
        Assert.Equal(("spring dry", "council", TimeSpan.FromHours(2)), (overview.Emergency!.Reason, overview.Emergency.DeclaredBy, overview.Emergency.Remaining));
        Assert.Equal(3, overview.Resources.Single().Stage);
        await h.ReadingAsync("w-h1", ("kitchen", 0), ("garden", 0));
        await h.AckEverythingAsync("w-h1"); // the device take the start's pushes; the stage follows them (per-device window)
        Assert.Equal(3, h.SentTo("w-h1").Single(c => c.Op == "stage").Stage);

        // One fresh signature is not a quorum; the emergency ends at its sunset all the same.
        await h.AdvanceAsync(TimeSpan.FromMinutes(30));
        Assert.Equal("pending", h.Runtime.RenewEmergency("chen", TimeSpan.FromHours(2)).Id);
        Assert.Equal(TimeSpan.FromMinutes(90), h.Runtime.Overview().Emergency!.Remaining);
        await h.AdvanceAsync(TimeSpan.FromMinutes(90));
        overview = h.Runtime.Overview();
        Assert.Null(overview.Emergency);
        Assert.Equal(0, overview.Resources.Single().Stage);
        Assert.Equal(0, h.SentTo("w-h1").Last(c => c.Op == "stage").Stage);
        var kinds = h.AuditKinds();
        Assert.Contains("emergency.declared", kinds);
        Assert.Contains("emergency.expired", kinds);
        // chen's lone renewal lapsed with the emergency: refused and audited.
        Assert.Equal("emergency.refused", kinds[^1]);

        var renew = h.Runtime.RenewEmergency("amina", TimeSpan.FromHours(2));
        Assert.False(renew.Accepted);
        Assert.Contains("no emergency is in force", renew.Refusal);
        Assert.Equal("emergency.refused", h.AuditKinds()[^1]);
        Assert.True(h.Runtime.VerifyAudit().Ok);
    }

    /// <summary>The hash chain alone cannot tell a log cut short (or an older copy put back) from a complete
    /// one; the chain's head anchored in the state store can.</summary>
    [Fact]
    public async Task AnAuditLogCutShortAcrossARestart_StillChains_ButIsReportedBroken_ByItsAnchorInTheStateStore()
    {
        await using var h = await StartedAsync();
        h.Runtime.DeclareEmergency("amina", "spring dry", TimeSpan.FromHours(2));
        h.Runtime.DeclareEmergency("bruno", "spring dry", TimeSpan.FromHours(2));
        await h.StepAsync();
        var full = h.Runtime.VerifyAudit();
        Assert.True(full.Ok, full.ToString());
        Assert.True(full.Records >= 3, full.ToString());

        var lines = await File.ReadAllLinesAsync(h.Runtime.AuditPath);
        await File.WriteAllLinesAsync(h.Runtime.AuditPath, lines[..^1]); // the newest record gone, whole: the rest still chains
        Assert.True(Gateway.Policy.AuditLog.Verify(h.Runtime.AuditPath).Ok);
        await h.RestartAsync();

        var cut = h.Runtime.VerifyAudit();
        Assert.False(cut.Ok);
        Assert.Equal((full.Records - 1, full.Records), (cut.Records, cut.FirstBrokenSeq!.Value));
        Assert.Contains("cut off", cut.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RenewalWithAFreshQuorum_ExtendsTheEmergency_AndSurvivesARestart()
    {
        var h = await StartedAsync();
        try
        {
            h.Runtime.DeclareEmergency("amina", "fire", TimeSpan.FromHours(2));
            h.Runtime.DeclareEmergency("chen", "fire", TimeSpan.FromHours(2));
            await h.AdvanceAsync(TimeSpan.FromHours(1));
            h.Runtime.RenewEmergency("amina", TimeSpan.FromHours(3));
            Assert.Equal("renewed", h.Runtime.RenewEmergency("bruno", TimeSpan.FromHours(3)).Id);
            Assert.Equal(TimeSpan.FromHours(3), h.Runtime.Overview().Emergency!.Remaining);
            await h.RestartAsync();
            var e = h.Runtime.Overview().Emergency!;
            Assert.Equal((1, TimeSpan.FromHours(3)), (e.Renewals, e.Remaining));
            Assert.Equal(3, h.Runtime.Overview().Resources.Single().Stage);
            await h.AdvanceAsync(TimeSpan.FromHours(3));
            Assert.Null(h.Runtime.Overview().Emergency);
            Assert.Equal(0, h.Runtime.Overview().Resources.Single().Stage);
        }
        finally { await h.DisposeAsync(); }
    }

    [Fact]
    public async Task Proposal_TakesEffectWithKApprovals_AtItsTime_AndStaysInForceAfterARestart()
    {
        var h = await StartedAsync();
        try
        {
            var yaml = TestPolicy.Yaml.Replace("cap: 1_000_000", "cap: 2_000_000");
            var bad = h.Runtime.Propose("amina", yaml.Replace("persons: 2", "persons: 0"), h.Time.GetUtcNow());
            Assert.False(bad.Accepted);
            Assert.Contains(bad.Errors!, e => e.Contains("persons"));
            var proposed = h.Runtime.Propose("amina", yaml, h.Time.GetUtcNow().AddHours(1));
            Assert.True(proposed.Accepted, proposed.Refusal);
            // The refused proposal stays listed with why, apart from the pending one.
            var refused = Assert.Single(h.Runtime.Proposals(), p => p.State == "refused");
            Assert.Contains(refused.Errors!, e => e.Contains("persons"));
            var view = Assert.Single(h.Runtime.Proposals(), p => p.State != "refused");
            Assert.Equal(["amina"], view.Approvals);
            Assert.Equal((2, "pending"), (view.Needed, view.State));
            Assert.False(h.Runtime.Approve("mallory", proposed.Id!).Accepted);
            Assert.True(h.Runtime.Approve("bruno", proposed.Id!).Accepted);
            Assert.Equal(1_000_000, h.Runtime.Overview().Resources.Single().Cap);   // not before its time

            await h.RestartAsync();  // pending proposals survive
            await h.AdvanceAsync(TimeSpan.FromHours(1));
            Assert.Equal(2_000_000, h.Runtime.Overview().Resources.Single().Cap);
            Assert.Equal("activated", Assert.Single(h.Runtime.Proposals(), p => p.State != "refused").State);
            Assert.Contains("policy.activated", h.AuditKinds());
            await h.RestartAsync();  // the activated policy, not the file's
            Assert.Equal(2_000_000, h.Runtime.Overview().Resources.Single().Cap);
            Assert.Equal(Resource.Water, h.Runtime.Household("h2")!.Resources.Single().Resource);
        }
        finally { await h.DisposeAsync(); }
    }
}

/// <summary>Every case of <see cref="CommonsActsTests"/> again with the ledger and the runtime's state on a real PostgreSQL.</summary>
public sealed class CommonsActsPostgresTests() : CommonsActsTests(StorageProvider.Postgres);
