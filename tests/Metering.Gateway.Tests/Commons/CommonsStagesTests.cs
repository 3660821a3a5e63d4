using Commons.Metering.Gateway.Options;
using Commons.Metering.Gateway.Domain;
using Commons.Metering.Gateway.Ingest;

namespace Commons.Metering.Gateway.Tests.Commons;

/// <summary>Stages from the reservoir, with hysteresis, shed in order and never below a floor.</summary>
public class CommonsStagesTests
{
    private readonly StorageProvider _provider;

    public CommonsStagesTests() : this(StorageProvider.Sqlite)
    {
    }

    protected CommonsStagesTests(StorageProvider provider) => _provider = provider;

    private static string ValveState(CommonsHarness h, string meter, string channel) =>
        h.SentTo(meter).LastOrDefault(c => c.Op == "valve" && c.Channel == channel)?.State ?? "open";

    [Fact]
    public async Task FallingReservoir_RaisesStagesOneToThree_ShedsInOrder_KeepsFloors_AndStepsDownWithHysteresis()
    {
        await using var h = new CommonsHarness(TestPolicy.Yaml, provider: _provider);
        await h.StartAsync();
        await h.ReadingAsync("w-h1", ("kitchen", 0), ("garden", 0));
        await h.ReadingAsync("w-h2", ("kitchen", 0), ("laundry", 0));
        // h2 uses 250 L (its floor is 4 x 50 L = 200 L) in 9 min: under the burst rate, shorter than a leak.
        await h.AdvanceAsync(TimeSpan.FromMinutes(9));
        await h.ReadingAsync("w-h2", ("kitchen", 250_000), ("laundry", 0));
        await h.AdvanceAsync(TimeSpan.FromMinutes(1));
        await h.ReadingAsync("w-h2", ("kitchen", 250_000), ("laundry", 0));
        Assert.Empty(h.Valves("w-h1").Concat(h.Valves("w-h2")));

        // The devices answer what they get (a superseded command keeps its slot in the device's window until
        // answered, as a real device's inbox still holds it).
        async Task Level(long mm) { await h.ReadingAsync("reservoir", ("level_mm", mm)); await h.AckEverythingAsync(); }
        await Level(1300);
        Assert.Equal(0, h.Runtime.Overview().Resources.Single().Stage);
        await Level(1150);
        Assert.Equal(1, h.Runtime.Overview().Resources.Single().Stage);
        Assert.Equal(("closed", "open", "open", "open"),
            (ValveState(h, "w-h1", "garden"), ValveState(h, "w-h1", "kitchen"), ValveState(h, "w-h2", "laundry"), ValveState(h, "w-h2", "kitchen")));
        var stage1 = h.SentTo("w-h2").Single(c => c.Op == "stage");
        Assert.Equal((1, "discretionary"), (stage1.Stage, stage1.Curtail));

        await Level(750);
        Assert.Equal(2, h.Runtime.Overview().Resources.Single().Stage);
        Assert.Equal("closed", ValveState(h, "w-h2", "laundry"));
        await Level(350);
        var water = h.Runtime.Overview().Resources.Single();
        Assert.Equal((3, "reservoir/level_mm = 350"), (water.Stage, water.StageReason));
        // Stage 3 curtails essential use, but only above the floor: h1 used nothing, h2 is past its floor.
        Assert.Equal(("open", "closed"), (ValveState(h, "w-h1", "kitchen"), ValveState(h, "w-h2", "kitchen")));
        var h1 = h.Runtime.Household("h1")!.Resources.Single(r => r.Resource == Resource.Water);
        Assert.True(h1.UnderFloor);
        Assert.Equal("allowed: basic need protected", h1.Channels.Single(c => c.Channel == "kitchen").Reason);

        await Level(450);   // back above 400 but not past 400 + 100: stays at 3 (hysteresis)
        Assert.Equal(3, h.Runtime.Overview().Resources.Single().Stage);
        await Level(520);
        Assert.Equal(2, h.Runtime.Overview().Resources.Single().Stage);
        Assert.Equal("open", ValveState(h, "w-h2", "kitchen"));
        await Level(1350);
        Assert.Equal(0, h.Runtime.Overview().Resources.Single().Stage);
        Assert.Equal(("open", "open"), (ValveState(h, "w-h1", "garden"), ValveState(h, "w-h2", "laundry")));
        Assert.Equal([1, 2, 3, 2, 0], h.SentTo("w-h1").Where(c => c.Op == "stage").Select(c => (int)c.Stage!.Value));
        Assert.Equal(5, h.AuditKinds().Count(k => k == "stage.changed"));
        Assert.True(h.Runtime.VerifyAudit().Ok);
    }

    [Fact]
    public async Task Restart_KeepsStage_LockedBreaker_AndResendsUnfinishedCommandsWithTheirCids()
    {
        var h = new CommonsHarness(TestPolicy.Yaml, provider: _provider);
        try
        {
            await h.StartAsync();
            await h.ReadingAsync("reservoir", ("level_mm", 700));  // stage 2
            h.Publisher.CanPublish = false;                        // the broker is down when the burst comes
            await h.ReadingAsync("w-h1", ("kitchen", 0), ("garden", 0));
            await h.AdvanceAsync(TimeSpan.FromMinutes(1));
            await h.ReadingAsync("w-h1", ("kitchen", 60_000), ("garden", 0));
            var pending = h.Runtime.Commands(100).Where(c => c.State is "pending" or "sent").ToList();
            Assert.Contains(h.Runtime.Commands(100), c => c.State == "pending" && c.Detail == "kitchen closed" && c.Meter == "w-h1");
            Assert.Contains(pending, c => c.Detail == "kitchen closed" && c.Meter == "w-h1");
            var total = h.Runtime.Commands(1000).Count;

            await h.RestartAsync();
            Assert.Equal(2, h.Runtime.Overview().Resources.Single().Stage);
            var breaker = h.Runtime.Breakers().Single(b => b.Id == "w-h1/kitchen");
            Assert.Equal(("open", true), (breaker.State, breaker.NeedsTechnician));
            await h.ReadingAsync("w-h2", ("kitchen", 0), ("laundry", 0));
            // Devices answering what they get: the per-device window sends the rest as the acks come.
            for (var minute = 0; minute < 5; minute++)
            {
                await h.AdvanceAsync(TimeSpan.FromMinutes(1));
                await h.AckEverythingAsync();
            }
            // Every command left unfinished (stage commands sent but not acked, the valve never sent) went out after the restart, with its own cid; none was created twice.
            Assert.Equal(pending.Select(c => c.Cid).Order(), h.Publisher.Sent.Select(s => s.Command.Cid).Distinct().Order());
            Assert.Equal(total, h.Runtime.Commands(1000).Count);
            var close = h.Publisher.Sent.First(s => s.Command is { Op: "valve", Channel: "kitchen" } && s.Topic.Contains("/w-h1/")).Command;
            await h.AckAsync("w-h1", close.Cid);
            Assert.Equal("acked", h.Command(close.Cid).State);
            // A reading after the restart counts from the last committed register, not from zero.
            await h.AdvanceAsync(TimeSpan.FromMinutes(1));
            await h.ReadingAsync("w-h1", ("kitchen", 60_000), ("garden", 0));
            Assert.Equal(60_000, h.Runtime.Household("h1")!.Resources.Single().Used);
        }
        finally { await h.DisposeAsync(); }
    }

    [Fact]
    public async Task DeviceReportedLeak_TripsTheGatewayBreakerToo()
    {
        await using var h = new CommonsHarness(TestPolicy.Yaml, provider: _provider);
        await h.StartAsync();
        await h.ReadingAsync("w-h2", ("kitchen", 0), ("laundry", 0));
        await h.EventAsync("w-h2", "leak", "laundry");
        var b = h.Runtime.Breakers().Single(x => x.Id == "w-h2/laundry");
        Assert.Equal(("open", "leak", true), (b.State, b.Safety, b.NeedsTechnician));
        Assert.Equal("closed", ValveState(h, "w-h2", "laundry"));
    }
}

/// <summary>Every case of <see cref="CommonsStagesTests"/> again with the ledger and the runtime's state on a real PostgreSQL.</summary>
public sealed class CommonsStagesPostgresTests() : CommonsStagesTests(StorageProvider.Postgres);
