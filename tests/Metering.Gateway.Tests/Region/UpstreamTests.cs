using Commons.Metering.Gateway.PolicyRuntime;
using System.Net;
using System.Text.Json;
using Commons.Metering.Gateway.Domain;
using Commons.Metering.Gateway.Policy;
using Commons.Metering.Gateway.Region;
using Commons.Metering.Gateway.Tests.Commons;
using Microsoft.Extensions.Logging.Abstractions;

namespace Commons.Metering.Gateway.Tests.Region;

/// <summary>A community (the real ledger and policy runtime, fake clock) reporting to a real region
/// service (its SQLite ledger and audit log) through an HTTP handler that can cut the link: the
/// transport is the seam; the two-process test (Metering.Integration.Tests/Region) runs it over loopback.</summary>
public sealed class UpstreamTests : IAsyncDisposable
{
    private readonly CommonsHarness _community = new(TestPolicy.Yaml);
    private readonly string _dir = Directory.CreateTempSubdirectory("upstream-tests-").FullName;
    private readonly RegionLedger _regionLedger;
    private readonly RegionService _region;
    private readonly RegionLink _link;
    private readonly UpstreamOutbox _outbox;
    private readonly UpstreamReporter _reporter;

    public UpstreamTests()
    {
        _regionLedger = new RegionLedger(Path.Combine(_dir, "region.db"));
        var options = new RegionOptions
        {
            Id = "river-a",
            Council = new RegionalCouncilOptions { K = 1, Members = ["d1"] },
            Communities = [new MemberOptions { Id = CommonsHarness.Community, TokenSha256 = RegionServiceTests.Sha("t0ken") }, new MemberOptions { Id = "other", TokenSha256 = RegionServiceTests.Sha("x") }],
            // 600 L a day for the valley; 50 L per person.
            // The river's level as a member reports it: regional stage 2 below 1,200 mm.
            Resources = { ["water"] = new RegionalResourceOptions { Period = "day", BudgetPerPeriod = 600_000, NeedPerPersonPerPeriod = 50_000,
                Triggers = [new RegionalTriggerOptions { Gauge = "river-level", Below = 1_200, Stage = 2, Hysteresis = 100 }] } },
        };
        _region = new RegionService(options, _regionLedger, new AuditLog(Path.Combine(_dir, "region-audit.log"), _community.Time), _community.Time);
        _link = new RegionLink(_region);
        _outbox = new UpstreamOutbox(Path.Combine(_dir, "upstream.db"));
        var upstream = new UpstreamOptions { Url = "http://region.invalid/", Token = "t0ken" };
        _reporter = new UpstreamReporter(upstream, _outbox, _community.Policy, _community.Runtime, _community.Runtime,
            new HttpClient(_link), _community.Time, NullLogger<UpstreamReporter>.Instance);
    }

    private long Allowance(string household) =>
        _community.Runtime.Household(household)!.Resources.Single(r => r.Resource == Resource.Water).Allowance;

    [Fact]
    public async Task Report_ReachesTheRegion_AndTheDelegatedCapLowersTheAllowances_FloorsKept()
    {
        await _community.StartAsync();
        // Own cap 1,000 L: floors 100 L and 200 L, the other 700 L per person (1:2).
        Assert.Equal((333_333L, 666_667L), (Allowance("h1"), Allowance("h2")));
        await _community.ReadingAsync("w-h1", ("kitchen", 0), ("garden", 0));
        await _community.AdvanceAsync(TimeSpan.FromMinutes(5));
        await _community.ReadingAsync("w-h1", ("kitchen", 40_000), ("garden", 0));
        await _community.StepAsync();
        _reporter.Snapshot();
        Assert.True(await _reporter.DrainAsync(CancellationToken.None));
        // The region's 600 L: floor 300 L (6 persons), the other member has not reported, so all 600 L.
        Assert.Equal(40_000, _regionLedger.Use(Resource.Water, CommonsHarness.Start.ToUnixTimeMilliseconds())[CommonsHarness.Community].Used);
        Assert.Equal((200_000L, 400_000L), (Allowance("h1"), Allowance("h2")));
        Assert.Contains("region.cap.applied", _community.AuditKinds());
    }

    [Fact]
    public async Task LinkCut_ReportsQueue_TheCapHoldsUntilItsValidityEnds_ThenTheFloor_AndReportsCatchUpExactlyOnce()
    {
        await _community.StartAsync();
        _reporter.Snapshot();
        Assert.True(await _reporter.DrainAsync(CancellationToken.None));
        _link.Up = false;
        var queued = new List<long>();
        for (var i = 0; i < 4; i++)
        {
            _community.Time.Advance(TimeSpan.FromHours(6));
            queued.Add(_reporter.Snapshot());
            Assert.False(await _reporter.DrainAsync(CancellationToken.None));
            _reporter.ApplyCaps();
        }
        // A day without the region: the last cap still holds (valid 48 h).
        Assert.Equal(4, _reporter.Pending);
        Assert.Equal(CapSource.Region, _community.Runtime.DelegatedCaps[Resource.Water].Source);
        Assert.Equal(200_000, Allowance("h1"));
        // Past its validity: the fallback, the floors only, never less.
        _community.Time.Advance(TimeSpan.FromHours(25));
        _reporter.ApplyCaps();
        Assert.Equal((CapSource.Fallback, 300_000L), (_community.Runtime.DelegatedCaps[Resource.Water].Source, _community.Runtime.DelegatedCaps[Resource.Water].Cap));
        Assert.Equal((100_000L, 200_000L), (Allowance("h1"), Allowance("h2")));
        // The link returns: every queued report arrives once, in order, and the region's cap is back.
        _link.Up = true;
        Assert.True(await _reporter.DrainAsync(CancellationToken.None));
        Assert.Equal(0, _reporter.Pending);
        Assert.Equal(5, _regionLedger.ReportCount(CommonsHarness.Community));
        Assert.Equal(queued, _link.Delivered.Skip(1));
        Assert.Equal(CapSource.Region, _community.Runtime.DelegatedCaps[Resource.Water].Source);
    }

    [Fact]
    public async Task AnswerLostAfterTheRegionsCommit_TheResendIsADuplicate_AndCountsOnce()
    {
        await _community.StartAsync();
        var seq = _reporter.Snapshot();
        _link.LoseNextAnswer = true;
        Assert.False(await _reporter.DrainAsync(CancellationToken.None));
        Assert.Equal(1, _reporter.Pending);
        Assert.True(await _reporter.DrainAsync(CancellationToken.None));
        Assert.Equal(0, _reporter.Pending);
        Assert.Equal([seq, seq], _link.Delivered);
        Assert.Equal([false, true], _link.Duplicates);
        Assert.Equal(1, _regionLedger.ReportCount(CommonsHarness.Community));
    }

    [Fact]
    public async Task RegionalDrought_RaisesTheCommunitysStage_ShedsWithinItsOwnRules_NeverCutsUnderTheFloor_AndEndsByItselfEvenWithTheLinkDown()
    {
        await _community.StartAsync();
        await _community.ReadingAsync("w-h1", ("kitchen", 0), ("garden", 0));
        await _community.ReadingAsync("w-h2", ("kitchen", 0), ("laundry", 0));
        await _community.StepAsync();
        Assert.True(_region.Council.ProposeStage("d1", Resource.Water, 3, 6, out var p).Accepted);
        _region.Council.ApproveStage(p!.Id, "d1", _community.Time.GetUtcNow(), out _);
        _reporter.Snapshot();
        Assert.True(await _reporter.DrainAsync(CancellationToken.None));
        await _community.StepAsync();
        Assert.Equal(3, _community.Runtime.Overview().Resources.Single(r => r.Resource == Resource.Water).Stage);
        // Stage 3 of this community's own policy curtails every class, but a household under its floor keeps its essential channel.
        var h1 = _community.Runtime.Household("h1")!.Resources.Single().Channels;
        Assert.Equal("curtailed", h1.Single(c => c.Channel == "garden").Decision);
        Assert.Equal("allowed", h1.Single(c => c.Channel == "kitchen").Decision);
        Assert.Equal("curtailed", _community.Runtime.Household("h2")!.Resources.Single().Channels.Single(c => c.Channel == "laundry").Decision);
        Assert.Contains("region.stage.applied", _community.AuditKinds());
        // The link goes down; six hours later the regional stage ends by itself all the same.
        _link.Up = false;
        _community.Time.Advance(TimeSpan.FromHours(6));
        _reporter.ApplyCaps();
        await _community.StepAsync();
        Assert.Equal(0, _community.Runtime.Overview().Resources.Single(r => r.Resource == Resource.Water).Stage);
        Assert.Equal("allowed", _community.Runtime.Household("h1")!.Resources.Single().Channels.Single(c => c.Channel == "garden").Decision);
    }

    [Fact]
    public async Task AnswersWithTheSameCap_ChangeNothing_OnlyTheValidityMoves()
    {
        await _community.StartAsync();
        await _community.ReadingAsync("w-h1", ("kitchen", 0), ("garden", 0));
        await _community.ReadingAsync("w-h2", ("kitchen", 0), ("laundry", 0));
        _reporter.Snapshot();
        Assert.True(await _reporter.DrainAsync(CancellationToken.None));
        await _community.StepAsync();
        await _community.AckEverythingAsync();
        await _community.StepAsync();
        var sent = _community.Publisher.Sent.Count;
        var audit = _community.AuditKinds().Count;
        var firstValidity = _community.Runtime.DelegatedCaps[Resource.Water].ValidUntilMs;
        for (var i = 0; i < 3; i++)
        {
            await _community.AdvanceAsync(TimeSpan.FromMinutes(5));
            _reporter.Snapshot();
            Assert.True(await _reporter.DrainAsync(CancellationToken.None));
            await _community.StepAsync();
        }
        // Each answer renews the validity; the allowances and devices see nothing new.
        Assert.Equal(firstValidity + 15 * 60_000, _community.Runtime.DelegatedCaps[Resource.Water].ValidUntilMs);
        Assert.Equal(sent, _community.Publisher.Sent.Count);
        Assert.Equal(audit, _community.AuditKinds().Count);
    }

    [Fact]
    public async Task RefusedReport_StaysQueued()
    {
        await _community.StartAsync();
        var wrong = new UpstreamReporter(new UpstreamOptions { Url = "http://region.invalid/", Token = "stolen?" }, _outbox, _community.Policy,
            _community.Runtime, _community.Runtime, new HttpClient(_link), _community.Time, NullLogger<UpstreamReporter>.Instance);
        wrong.Snapshot();
        Assert.False(await wrong.DrainAsync(CancellationToken.None));
        Assert.Equal(1, wrong.Pending);
        Assert.Equal(0, _regionLedger.ReportCount(CommonsHarness.Community));
    }

    [Fact]
    public async Task SharedGaugeNamedForTheRegion_GoesUpUnderItsRegionalName_AndItsTriggerRaisesTheCommunitysStage()
    {
        await _community.StartAsync();
        var upstream = new UpstreamOptions { Url = "http://region.invalid/", Token = "t0ken", Gauges = [new UpstreamGaugeOptions { Meter = "reservoir", Gauge = "level_mm", Name = "river-level" }] };
        var reporter = new UpstreamReporter(upstream, _outbox, _community.Policy, _community.Runtime, _community.Runtime,
            new HttpClient(_link), _community.Time, NullLogger<UpstreamReporter>.Instance, _community.Runtime);
        // Not heard yet: no gauge goes up.
        reporter.Snapshot();
        Assert.True(await reporter.DrainAsync(CancellationToken.None));
        Assert.DoesNotContain("gauges", System.Text.Encoding.UTF8.GetString(_link.Bodies[^1]), StringComparison.Ordinal);
        // The reservoir's first uplink registers it (Registry:AutoRegister), as in CommonsRuntimeProperties.
        await _community.ReadingAsync("reservoir", ("level_mm", 1_500));
        var ts = _community.Time.GetUtcNow().ToUnixTimeMilliseconds();
        await _community.PublishAsync("reservoir", "gauge",
            $$"""{"v":1,"seq":1,"ts":{{ts}},"g":[{"n":"level_mm","q":"level_mm","s":"a02yyuw","last":1100,"min":1090,"max":1110,"mean":1100,"samples":12}]}""");
        await _community.StepAsync();
        // The community's own trigger (below 1,200 mm) says stage 1; the region's (below 1,200 mm) says 2.
        Assert.Equal(1, _community.Runtime.Overview().Resources.Single(r => r.Resource == Resource.Water).Stage);
        reporter.Snapshot();
        Assert.True(await reporter.DrainAsync(CancellationToken.None));
        await _community.StepAsync();
        var body = System.Text.Encoding.UTF8.GetString(_link.Bodies[^1]);
        Assert.Contains($$"""
            "gauges":[{"g":"river-level","value":1100,"ts":{{ts}}}]
            """, body, StringComparison.Ordinal);
        Assert.DoesNotContain("reservoir", body, StringComparison.Ordinal);
        Assert.Equal(2, _community.Runtime.Overview().Resources.Single(r => r.Resource == Resource.Water).Stage);
    }

    [Fact]
    public async Task NothingHouseholdLevel_LeavesTheCommunity()
    {
        await _community.StartAsync();
        await _community.ReadingAsync("w-h1", ("kitchen", 0), ("garden", 0));
        await _community.ReadingAsync("w-h2", ("kitchen", 0), ("laundry", 0));
        await _community.AdvanceAsync(TimeSpan.FromMinutes(5));
        await _community.ReadingAsync("w-h1", ("kitchen", 10_000), ("garden", 5_000));
        await _community.ReadingAsync("w-h2", ("kitchen", 20_000), ("laundry", 7_000));
        await _community.StepAsync();
        _reporter.Snapshot();
        Assert.True(await _reporter.DrainAsync(CancellationToken.None));
        var sent = Assert.Single(_link.Bodies);
        using var doc = JsonDocument.Parse(sent);
        var names = new SortedSet<string>(StringComparer.Ordinal);
        var strings = new SortedSet<string>(StringComparer.Ordinal);
        var numbers = new List<long>();
        Walk(doc.RootElement, names, strings, numbers);
        // Exactly the aggregate fields of docs/federation.md, "Wire"; no other key can carry anything.
        Assert.Equal(["breakers", "community", "from", "households", "period", "persons", "r", "resources", "seq", "stage", "ts", "used", "v"], names);
        Assert.Equal(["day", CommonsHarness.Community, "water"], strings);
        // The community's sum (42 L), never one household's use (15 L, 27 L) or register.
        Assert.Contains(42_000L, numbers);
        foreach (var household in new long[] { 15_000, 27_000, 10_000, 20_000, 5_000, 7_000 }) Assert.DoesNotContain(household, numbers);
        var policy = _community.Policy.Current;
        foreach (var id in policy.Households.Select(h => h.Id).Concat(policy.Households.SelectMany(h => h.Meters.Select(m => m.Id))))
            Assert.DoesNotContain(id, System.Text.Encoding.UTF8.GetString(sent).Replace(CommonsHarness.Community, "", StringComparison.Ordinal), StringComparison.Ordinal);
    }

    private static void Walk(JsonElement e, ISet<string> names, ISet<string> strings, List<long> numbers)
    {
        switch (e.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var p in e.EnumerateObject()) { names.Add(p.Name); Walk(p.Value, names, strings, numbers); }
                break;
            case JsonValueKind.Array:
                foreach (var x in e.EnumerateArray()) Walk(x, names, strings, numbers);
                break;
            case JsonValueKind.String: strings.Add(e.GetString()!); break;
            case JsonValueKind.Number: numbers.Add(e.GetInt64()); break;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _reporter.StopAsync(CancellationToken.None);
        _outbox.Dispose();
        _regionLedger.Dispose();
        await _community.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    /// <summary>The HTTP hop to the region: the real RegionService answers; <see cref="Up"/> false is a
    /// cut link, <see cref="LoseNextAnswer"/> loses the answer after the region committed.</summary>
    private sealed class RegionLink(RegionService region) : HttpMessageHandler
    {
        public bool Up { get; set; } = true;
        public bool LoseNextAnswer { get; set; }
        public List<long> Delivered { get; } = [];
        public List<bool> Duplicates { get; } = [];
        public List<byte[]> Bodies { get; } = [];

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (!Up) throw new HttpRequestException("link cut (test)");
            Assert.Equal("/api/v1/region/reports", request.RequestUri!.AbsolutePath);
            var body = await request.Content!.ReadAsByteArrayAsync(cancellationToken);
            var auth = request.Headers.Authorization!;
            var result = region.Handle(auth.Scheme == "Community" ? auth.Parameter : null, body);
            if (result.Answer is { } a)
            {
                Bodies.Add(body);
                Delivered.Add(a.Seq);
                Duplicates.Add(a.Duplicate);
            }
            if (LoseNextAnswer)
            {
                LoseNextAnswer = false;
                throw new HttpRequestException("answer lost (test)");
            }
            return result.Answer is { } answer
                ? new HttpResponseMessage(HttpStatusCode.OK) { Content = new ByteArrayContent(RegionWire.Encode(answer)) }
                : new HttpResponseMessage((HttpStatusCode)result.Status) { Content = new StringContent(result.Detail ?? "") };
        }
    }
}
