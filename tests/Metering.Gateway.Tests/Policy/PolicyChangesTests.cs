using Commons.Metering.Gateway.Domain;
using Commons.Metering.Gateway.Ingest;
using Commons.Metering.Gateway.Policy;
using Microsoft.Extensions.Time.Testing;

namespace Commons.Metering.Gateway.Tests.Policy;

public sealed class PolicyChangesTests : IDisposable
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 3, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly AuditFile _audit;
    private readonly PolicyStore _store = new();
    private readonly PolicyChanges _changes;
    private static readonly string Tighter = PolicyFiles.Village.Replace("cap: 1_500_000", "cap: 1_200_000");

    public PolicyChangesTests()
    {
        _audit = new AuditFile(_time);
        Assert.True(_store.TryApply(PolicyFiles.Village, "village.yaml").Ok);
        _changes = new PolicyChanges(_store, _time, _audit.Log);
    }

    public void Dispose() => _audit.Dispose();

    private long WaterCap() => _store.Current.Resource(Resource.Water).CapPerPeriod;

    [Fact]
    public void Change_TakesEffectOnlyWithKApprovals_AndNotBeforeItsTime()
    {
        var p = _changes.Propose(Tighter, "village.yaml", _time.GetUtcNow().AddDays(1), "amina").Proposal!;
        _changes.Approve(p.Id, "amina");
        _changes.Approve(p.Id, "amina"); // the same member twice is one approval
        _time.Advance(TimeSpan.FromDays(2));
        Assert.False(_changes.Activate());
        Assert.Equal(1_500_000, WaterCap());
        _changes.Approve(p.Id, "chen"); // quorum, and the stated time has passed: in force now
        Assert.Equal(1_200_000, WaterCap());
        Assert.Empty(_changes.Pending);
        Assert.Equal(["policy.proposed", "policy.approved", "policy.approved", "policy.approved", "policy.activated"], _audit.Kinds());
    }

    [Fact]
    public void ApprovedBeforeItsTime_WaitsForIt()
    {
        var p = _changes.Propose(Tighter, "village.yaml", _time.GetUtcNow().AddHours(6), "amina").Proposal!;
        _changes.Approve(p.Id, "amina");
        _changes.Approve(p.Id, "bruno");
        Assert.Equal(1_500_000, WaterCap());
        _time.Advance(TimeSpan.FromHours(6));
        Assert.True(_changes.Activate());
        Assert.Equal(1_200_000, WaterCap());
    }

    [Fact]
    public void InvalidFile_IsRefusedAtProposal_WithItsErrors()
    {
        var r = _changes.Propose(Tighter.Replace("    persons: 2", "    persons: 0"), "village.yaml", _time.GetUtcNow(), "amina");
        Assert.False(r.Accepted);
        Assert.Equal("households[1].persons", Assert.Single(r.Errors).Field);
        Assert.Equal(["policy.refused"], _audit.Kinds());
    }

    [Fact]
    public void NonMemberApproval_IsRefusedAndAudited()
    {
        var p = _changes.Propose(Tighter, "village.yaml", _time.GetUtcNow(), "amina").Proposal!;
        Assert.False(_changes.Approve(p.Id, "mallory").Accepted);
        _changes.Approve(p.Id, "amina");
        Assert.Equal(1_500_000, WaterCap());
        Assert.Contains("policy.refused", _audit.Kinds());
    }

    [Fact]
    public void QuorumIsCountedByTheCouncilInForce_NotTheProposedOne()
    {
        // A proposal that lowers k to 1 still needs 2 approvals under the policy in force.
        var p = _changes.Propose(Tighter.Replace("  k: 2", "  k: 1"), "village.yaml", _time.GetUtcNow(), "amina").Proposal!;
        _changes.Approve(p.Id, "amina");
        Assert.Equal(2, _store.Current.Council.K);
    }
}
