using Commons.Metering.Gateway.PolicyRuntime;

namespace Commons.Metering.Gateway.Tests.Commons;

/// <summary>The runtime over the real ledger with a fake clock: readings in, decisions and commands out.</summary>
public sealed class CommonsRuntimeTests
{
    private static async Task<CommonsHarness> StartedAsync(CommonsOptions? options = null)
    {
        var h = new CommonsHarness(TestPolicy.Yaml, options);
        await h.StartAsync();
        return h;
    }

    [Fact]
    public async Task ContinuousFlow_TripsTheChannel_ClosesItsValve_AndTheReadingsConfirmIt()
    {
        await using var h = await StartedAsync();
        long reg = 0;
        await h.ReadingAsync("w-h1", ("kitchen", reg), ("garden", 0));
        for (var minute = 1; minute <= 9; minute++)
        {
            await h.AdvanceAsync(TimeSpan.FromMinutes(1));
            await h.ReadingAsync("w-h1", ("kitchen", reg += 500), ("garden", 0));
        }
        Assert.Empty(h.Valves("w-h1"));
        Assert.Equal("closed", Assert.Single(h.Runtime.Breakers(), b => b.Id == "w-h1/kitchen").State);

        await h.AdvanceAsync(TimeSpan.FromMinutes(1));
        await h.ReadingAsync("w-h1", ("kitchen", reg += 500), ("garden", 0));
        var close = Assert.Single(h.Valves("w-h1"));
        Assert.Equal(("valve", "kitchen", "closed"), (close.Op, close.Channel, close.State));
        var breaker = Assert.Single(h.Runtime.Breakers(), b => b.Id == "w-h1/kitchen");
        Assert.Equal(("open", "leak", true), (breaker.State, breaker.Safety, breaker.NeedsTechnician));
        Assert.Equal("sent", h.Command(close.Cid).State);
        Assert.Contains("safety trip: leak", h.Command(close.Cid).Why);

        await h.AckAsync("w-h1", close.Cid);
        Assert.Equal("acked", h.Command(close.Cid).State);
        await h.AdvanceAsync(TimeSpan.FromMinutes(1));
        await h.ReadingAsync("w-h1", ("kitchen", reg += 100), ("garden", 0)); // last drops before the valve shut
        await h.AdvanceAsync(TimeSpan.FromMinutes(1));
        await h.ReadingAsync("w-h1", ("kitchen", reg), ("garden", 0));
        Assert.Equal("confirmed", h.Command(close.Cid).State);
        Assert.Contains("breaker.opened", h.AuditKinds());
        Assert.True(h.Runtime.VerifyAudit().Ok);
        Assert.Equal(1, h.Runtime.Overview().OpenBreakers);
    }

    [Fact]
    public async Task TechnicianReset_ClosesTheBreaker_AndReopensTheValve()
    {
        await using var h = await StartedAsync();
        await h.ReadingAsync("w-h1", ("kitchen", 0), ("garden", 0));
        await h.AckEverythingAsync("w-h1"); // the start's pushes, so the window has room for reset and valve
        await h.AdvanceAsync(TimeSpan.FromMinutes(1));
        await h.ReadingAsync("w-h1", ("kitchen", 60_000), ("garden", 0)); // 60 L in a minute: a burst
        var close = Assert.Single(h.Valves("w-h1"));
        Assert.Contains("burst", h.Command(close.Cid).Why);

        Assert.False(h.Runtime.ResetBreaker("nobody", "w-h1/nothing").Accepted);
        var reset = h.Runtime.ResetBreaker("tess", "w-h1/kitchen");
        Assert.True(reset.Accepted, reset.Refusal);
        await h.StepAsync();
        var open = h.Valves("w-h1").Last();
        Assert.Equal(("kitchen", "open"), (open.Channel, open.State));
        Assert.Equal("superseded", h.Command(close.Cid).State);
        Assert.Equal("closed", h.Runtime.Breakers().Single(b => b.Id == "w-h1/kitchen").State);
        Assert.Contains("breaker.reset", h.AuditKinds());
        Assert.False(h.Runtime.ResetBreaker("tess", "w-h1/kitchen").Accepted); // not tripped any more
    }

    [Fact]
    public async Task NoAck_IsRetriedWithTheSameCid_WithDoublingWaits_ThenEscalatedAndAudited()
    {
        await using var h = await StartedAsync(new CommonsOptions { AckTimeoutSeconds = 30, MaxAttempts = 3, CommandExpirySeconds = 3600 });
        await h.ReadingAsync("w-h1", ("kitchen", 0), ("garden", 0));
        await h.AdvanceAsync(TimeSpan.FromMinutes(1));
        await h.ReadingAsync("w-h1", ("kitchen", 60_000), ("garden", 0));
        var cid = Assert.Single(h.Valves("w-h1")).Cid;

        h.Time.Advance(TimeSpan.FromSeconds(29));
        await h.StepAsync();
        Assert.Single(h.Valves("w-h1"));            // first wait: 30 s
        h.Time.Advance(TimeSpan.FromSeconds(1));
        await h.StepAsync();
        Assert.Equal(2, h.Valves("w-h1").Count);     // second attempt
        h.Time.Advance(TimeSpan.FromSeconds(59));
        await h.StepAsync();
        Assert.Equal(2, h.Valves("w-h1").Count);     // second wait: 60 s
        h.Time.Advance(TimeSpan.FromSeconds(1));
        await h.StepAsync();
        Assert.Equal(3, h.Valves("w-h1").Count);
        Assert.All(h.Valves("w-h1"), c => Assert.Equal(cid, c.Cid));
        h.Time.Advance(TimeSpan.FromSeconds(120));
        await h.StepAsync();
        Assert.Equal(3, h.Valves("w-h1").Count);
        var view = h.Command(cid);
        Assert.Equal(("escalated", 3), (view.State, view.Attempts));
        Assert.Contains("no ack after 3 attempts", view.Why);
        Assert.Contains("command.escalated", h.AuditKinds());

        // The device was there after all: its late ack is taken, and the readings may still confirm the cut.
        await h.AckAsync("w-h1", cid);
        Assert.Equal("acked", h.Command(cid).State);
        Assert.Contains("acknowledged late", h.Command(cid).Why);
    }

    [Fact]
    public async Task AckedCut_ThatTheReadingsDoNotConfirm_IsEscalated()
    {
        await using var h = await StartedAsync(new CommonsOptions { ConfirmWindowSeconds = 300 });
        await h.ReadingAsync("w-h1", ("kitchen", 0), ("garden", 0));
        await h.AdvanceAsync(TimeSpan.FromMinutes(1));
        long reg = 60_000;
        await h.ReadingAsync("w-h1", ("kitchen", reg), ("garden", 0));
        var cid = Assert.Single(h.Valves("w-h1")).Cid;
        await h.AckAsync("w-h1", cid);
        for (var i = 0; i < 5; i++)
        {
            await h.AdvanceAsync(TimeSpan.FromMinutes(1));
            await h.ReadingAsync("w-h1", ("kitchen", reg += 1000), ("garden", 0)); // the valve is stuck open
        }
        Assert.Equal("escalated", h.Command(cid).State);
        Assert.Contains("did not confirm", h.Command(cid).Why);
    }

    [Fact]
    public async Task RefusedAck_EndsRefused_AndAnExpiredAck_EndsExpired()
    {
        await using var h = await StartedAsync();
        await h.ReadingAsync("w-h1", ("kitchen", 0), ("garden", 0));
        await h.AdvanceAsync(TimeSpan.FromMinutes(1));
        await h.ReadingAsync("w-h1", ("kitchen", 60_000), ("garden", 0));
        var cid = Assert.Single(h.Valves("w-h1")).Cid;
        await h.AckAsync("w-h1", cid, "bad_field");
        Assert.Equal(("refused", "bad_field"), (h.Command(cid).State, h.Command(cid).AckError));

        await h.ReadingAsync("w-h2", ("kitchen", 0), ("laundry", 0));
        await h.AdvanceAsync(TimeSpan.FromMinutes(1));
        await h.ReadingAsync("w-h2", ("kitchen", 60_000), ("laundry", 0));
        var cid2 = Assert.Single(h.Valves("w-h2")).Cid;
        await h.AckAsync("w-h2", cid2, "expired");
        Assert.Equal("expired", h.Command(cid2).State);
    }

    [Fact]
    public async Task CommandNotAcknowledgedBeforeItsExpiry_EndsExpired()
    {
        await using var h = await StartedAsync(new CommonsOptions { CommandExpirySeconds = 60, AckTimeoutSeconds = 30, MaxAttempts = 10 });
        h.Publisher.CanPublish = false; // broker down: nothing leaves
        await h.ReadingAsync("w-h1", ("kitchen", 0), ("garden", 0));
        await h.AdvanceAsync(TimeSpan.FromMinutes(1));
        await h.ReadingAsync("w-h1", ("kitchen", 60_000), ("garden", 0));
        var cid = Assert.Single(h.Runtime.Commands(100), c => c.Op == "valve").Cid;
        Assert.Equal("pending", h.Command(cid).State);
        await h.AdvanceAsync(TimeSpan.FromMinutes(2));
        Assert.Equal("expired", h.Command(cid).State);
        Assert.DoesNotContain(h.Publisher.Sent, s => s.Command.Cid == cid);
    }
}
