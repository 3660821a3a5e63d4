using Commons.Metering.Gateway.Options;
using Commons.Metering.Gateway.Actuation;
using Commons.Metering.Gateway.PolicyRuntime;

namespace Commons.Metering.Gateway.Tests.Commons;

/// <summary>Device autonomy: every household meter gets its channels' class, allowance and safety
/// thresholds, and the stage with what it curtails; values already acknowledged are not sent again.</summary>
public class CommonsPushTests
{
    private readonly StorageProvider _provider;

    public CommonsPushTests() : this(StorageProvider.Sqlite)
    {
    }

    protected CommonsPushTests(StorageProvider provider) => _provider = provider;

    [Fact]
    public async Task Start_PushesClassAllowanceAndSafety_OnceAcked_NotAgainAfterARestart()
    {
        var h = new CommonsHarness(TestPolicy.Yaml, provider: _provider);
        try
        {
            await h.StartAsync();
            await h.StepAsync();
            foreach (var meter in new[] { "w-h1", "w-h2" })
                await h.ReadingAsync(meter, meter == "w-h1" ? [("kitchen", 0L), ("garden", 0L)] : [("kitchen", 0L), ("laundry", 0L)]);
            await h.AckEverythingAsync(); // a device takes 3 at a time (per-device window)
            // Each once by cid (its first reading resent what was pushed before the meter was heard from).
            var sent = h.SentTo("w-h2").DistinctBy(c => c.Cid).ToList();
            var kitchen = sent.Single(c => c is { Op: "allowance", Channel: "kitchen" });
            // 1000 L cap, floors 2 x 50 + 4 x 50 L, the 700 L left shared per person: h2 gets 200 + 466.667 L.
            Assert.Equal((666_667L, 86_400L, "essential", 0L), (kitchen.Limit!.Value, kitchen.PeriodS!.Value, kitchen.UseClass, kitchen.Used!.Value));
            Assert.Equal(CommonsHarness.Start.ToUnixTimeMilliseconds(), kitchen.StartMs);
            Assert.Equal("standard", sent.Single(c => c is { Op: "allowance", Channel: "laundry" }).UseClass);
            var safety = sent.Single(c => c is { Op: "safety", Channel: "kitchen" });
            Assert.Equal((600L, 30_000L), (safety.LeakS!.Value, safety.BurstPerMin!.Value));
            Assert.DoesNotContain(sent, c => c.Op == "stage"); // stage 0 is every device's default
            Assert.Empty(h.SentTo("reservoir"));
            Assert.All(h.Runtime.Commands(100), c => Assert.Equal("acked", c.State));

            await h.RestartAsync();
            await h.AdvanceAsync(TimeSpan.FromMinutes(10));
            Assert.Empty(h.Publisher.Sent);

            // A new day: new allowances (from the new period start), nothing else.
            await h.AdvanceAsync(TimeSpan.FromDays(1) - TimeSpan.FromMinutes(10));
            var next = h.SentTo("w-h1");
            Assert.NotEmpty(next);
            Assert.All(next, c => Assert.Equal("allowance", c.Op));
            Assert.All(next, c => Assert.Equal(CommonsHarness.Start.AddDays(1).ToUnixTimeMilliseconds(), c.StartMs));
        }
        finally { await h.DisposeAsync(); }
    }

    [Fact]
    public async Task PushThatEscalatedWhileTheDeviceWasAway_IsIssuedAnewWhenItComesBackOnline()
    {
        await using var h = new CommonsHarness(TestPolicy.Yaml, new Gateway.PolicyRuntime.CommonsOptions { MaxAttempts = 2, AckTimeoutSeconds = 30 }, provider: _provider);
        await h.StartAsync();
        await h.ReadingAsync("w-h1", ("kitchen", 0), ("garden", 0));
        await h.AdvanceAsync(TimeSpan.FromMinutes(5));
        var escalated = h.Runtime.Commands(100).Where(c => c.Meter == "w-h1").ToList();
        Assert.Equal(4, escalated.Count);
        Assert.All(escalated, c => Assert.Equal("escalated", c.State));

        await h.PublishAsync("w-h1", "status", "{\"v\":1,\"state\":\"online\",\"fw\":\"1.0.0\"}");
        await h.StepAsync();
        Assert.Equal(CommandBook.DeviceWindow, h.Runtime.Commands(100).Count(c => c.Meter == "w-h1" && c.State == "sent"));
        await h.AckEverythingAsync("w-h1");
        var fresh = h.Runtime.Commands(100).Where(c => c.Meter == "w-h1" && !escalated.Any(e => e.Cid == c.Cid)).ToList();
        Assert.Equal(escalated.Select(c => c.Detail).Order(), fresh.Select(c => c.Detail).Order());
        Assert.All(fresh, c => Assert.Equal("acked", c.State));
    }

    [Fact]
    public async Task PushSentBeforeTheMeterWasRegistered_GoesOutAgainWithItsFirstReading_NotAfterTheBackoff()
    {
        await using var h = new CommonsHarness(TestPolicy.Yaml, new Gateway.PolicyRuntime.CommonsOptions { AckTimeoutSeconds = 30 }, provider: _provider);
        await h.StartAsync();
        await h.StepAsync(); // pushed at start, before any device connected: nobody received them
        var first = h.Runtime.Commands(100).Where(c => c.Meter == "w-h1" && c.State == "sent").ToList();
        Assert.Equal(CommandBook.DeviceWindow, first.Count); // the per-device window; the rest waits its turn
        Assert.All(first, c => Assert.Equal(1, c.Attempts));
        var sent = h.SentTo("w-h1").Count;

        // The device connects; its "online" status is refused (not registered yet, auto-registration
        // needs a reading), then its first reading registers it. The clock does not move.
        var status = await h.Pipeline.HandleAsync($"commons/v1/{CommonsHarness.Community}/w-h1/up/status",
            new System.Buffers.ReadOnlySequence<byte>("{\"v\":1,\"state\":\"online\",\"fw\":\"1.0.0\"}"u8.ToArray()), CancellationToken.None);
        Assert.Equal(Gateway.Domain.RejectReason.UnknownMeter, status.Reason);
        await h.ReadingAsync("w-h1", ("kitchen", 0), ("garden", 0));

        Assert.All(h.Runtime.Commands(100).Where(c => first.Any(f => f.Cid == c.Cid)), c => Assert.Equal(2, c.Attempts));
        Assert.Equal(sent + first.Count, h.SentTo("w-h1").Count);
        Assert.All(h.Runtime.Commands(100).Where(c => c.Meter == "w-h2" && c.State == "sent"), c => Assert.Equal(1, c.Attempts)); // not heard from: not resent

        // Heard from again: nothing is resent a second time.
        await h.ReadingAsync("w-h1", ("kitchen", 10), ("garden", 10));
        Assert.Equal(sent + first.Count, h.SentTo("w-h1").Count);
    }
}

/// <summary>Every case of <see cref="CommonsPushTests"/> again with the ledger and the runtime's state on a real PostgreSQL.</summary>
public sealed class CommonsPushPostgresTests() : CommonsPushTests(StorageProvider.Postgres);
