using Commons.Metering.Gateway.Policy;
using Microsoft.Extensions.Time.Testing;

namespace Commons.Metering.Gateway.Tests.Policy;

public sealed class EmergencyProtocolTests : IDisposable
{
    private static readonly Council Council = new(2, ["amina", "bruno", "chen"]);
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 3, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly AuditFile _audit;
    private readonly EmergencyProtocol _e;

    public EmergencyProtocolTests()
    {
        _audit = new AuditFile(_time);
        _e = new EmergencyProtocol(Council, TimeSpan.FromHours(72), _time, _audit.Log);
    }

    public void Dispose()
    {
        _e.Dispose();
        _audit.Dispose();
    }

    private Approval[] Sign(params string[] members) => [.. members.Select(m => new Approval(m, _time.GetUtcNow()))];

    [Fact]
    public void QuorumDeclared_ExpiresByItselfAtItsSunset_AndTheExpiryIsAudited()
    {
        Emergency? expired = null;
        _e.Expired += e => expired = e;
        Assert.True(_e.DeclareByQuorum("spring dry", TimeSpan.FromHours(48), Sign("amina", "chen")).Accepted);
        _time.Advance(TimeSpan.FromHours(47));
        Assert.Equal(TimeSpan.FromHours(1), _e.Remaining);
        _time.Advance(TimeSpan.FromHours(1)); // the timer fires: nobody has to read the state
        Assert.NotNull(expired);
        Assert.Null(_e.Active);
        Assert.Null(_e.Remaining);
        Assert.Equal(["emergency.declared", "emergency.expired"], _audit.Kinds());
        Assert.Equal("2026-03-03T00:00:00.0000000+00:00", _audit.Records()[1].Time);
    }

    [Theory]
    [InlineData("amina")]            // 1 of 2
    [InlineData("amina,amina")]           // the same member twice
    [InlineData("amina,mallory")]         // not a member
    public void WithoutAQuorumOfDistinctMembers_DeclarationIsRefusedAndAudited(string members)
    {
        var r = _e.DeclareByQuorum("x", TimeSpan.FromHours(1), Sign(members.Split(',')));
        Assert.False(r.Accepted);
        Assert.Contains("of 2 needed", r.Refusal);
        Assert.Null(_e.Active);
        Assert.Equal(["emergency.refused"], _audit.Kinds());
    }

    [Fact]
    public void StaleApprovals_DoNotCount()
    {
        var old = Sign("amina", "bruno");
        _time.Advance(TimeSpan.FromHours(25));
        Assert.False(_e.DeclareByQuorum("x", TimeSpan.FromHours(1), old).Accepted);
    }

    [Fact]
    public void DurationBeyondTheSunsetMaximum_IsRefused()
    {
        var r = _e.DeclareByQuorum("x", TimeSpan.FromHours(73), Sign("amina", "bruno"));
        Assert.False(r.Accepted);
        Assert.Contains("at most", r.Refusal);
    }

    [Fact]
    public void Renewal_NeedsAFreshQuorum_TheDeclaringApprovalsDoNotRenew()
    {
        var declaring = Sign("amina", "bruno");
        _e.DeclareByQuorum("x", TimeSpan.FromHours(24), declaring);
        _time.Advance(TimeSpan.FromHours(20));
        var stale = _e.Renew(TimeSpan.FromHours(24), declaring);
        Assert.False(stale.Accepted);
        Assert.Contains("fresh quorum", stale.Refusal);
        Assert.False(_e.Renew(TimeSpan.FromHours(24), Sign("chen")).Accepted);

        var renewed = _e.Renew(TimeSpan.FromHours(24), Sign("bruno", "chen"));
        Assert.True(renewed.Accepted);
        Assert.Equal((1, TimeSpan.FromHours(24)), (renewed.Emergency!.Renewals, _e.Remaining!.Value));
        _time.Advance(TimeSpan.FromHours(23));
        Assert.NotNull(_e.Active); // the old sunset (24 h after declaring) has passed: the renewal holds
        _time.Advance(TimeSpan.FromHours(1));
        Assert.Null(_e.Active);
        Assert.Equal(["emergency.declared", "emergency.refused", "emergency.refused", "emergency.renewed", "emergency.expired"], _audit.Kinds());
        Assert.True(AuditLog.Verify(_audit.Log.Path).Ok);
    }

    [Fact]
    public void AfterExpiry_RenewalIsRefused_ANewDeclarationIsNeeded()
    {
        _e.DeclareByTrigger("reservoir-below-400", "reservoir critically low", TimeSpan.FromHours(6));
        _time.Advance(TimeSpan.FromHours(6));
        var r = _e.Renew(TimeSpan.FromHours(6), Sign("amina", "bruno"));
        Assert.False(r.Accepted);
        Assert.Contains("no emergency is in force", r.Refusal);
        Assert.Equal(("trigger:reservoir-below-400", "system"), (_audit.Records()[0].Actor, _audit.Records()[0].Role));
    }

    [Fact]
    public void SecondDeclarationWhileActive_IsRefused()
    {
        _e.DeclareByTrigger("t", "a", TimeSpan.FromHours(1));
        Assert.False(_e.DeclareByTrigger("t", "again", TimeSpan.FromHours(1)).Accepted);
        Assert.Equal("a", _e.Active!.Reason);
    }
}
