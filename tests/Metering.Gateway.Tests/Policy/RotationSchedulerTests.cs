using Commons.Metering.Gateway.Domain;
using Commons.Metering.Gateway.Ingest;
using Commons.Metering.Gateway.Policy;
using CsCheck;

namespace Commons.Metering.Gateway.Tests.Policy;

public sealed class RotationSchedulerTests
{
    private static Zone ZoneOf(int households, long capacity, int slot = 15, int spread = 15) =>
        new("feeder", Resource.Energy, capacity, [.. Enumerable.Range(0, households).Select(i => $"h{i}")], slot, spread);

    [Fact]
    public void OverCapacity_ShedsFewestMinutesFirst_AndRecordsTheMinutes()
    {
        var r = new RotationScheduler(ZoneOf(3, capacity: 100));
        var loads = new Dictionary<string, long> { ["h0"] = 30, ["h1"] = 30, ["h2"] = 30 };
        var first = r.NextSlot(150, loads);   // 50 over: two households
        Assert.Equal(["h0", "h1"], first.Shed.ToArray());
        Assert.Equal((90L, 0L), (first.LoadAfterPerMinute, first.StillOverPerMinute));
        var second = r.NextSlot(120, loads);  // 20 over: one, the one not shed yet
        Assert.Equal(["h2"], second.Shed.ToArray());
        var third = r.NextSlot(120, loads);   // all at 15 min: the one shed longest ago
        Assert.Equal(["h0"], third.Shed.ToArray());
        Assert.Equal(new Dictionary<string, long> { ["h0"] = 30, ["h1"] = 15, ["h2"] = 15 }, r.MinutesLost);
        Assert.Empty(r.NextSlot(100, loads).Shed); // at capacity: nothing shed
    }

    [Fact]
    public void NotEnoughDiscretionaryLoad_ReportsWhatIsStillOver()
    {
        var r = new RotationScheduler(ZoneOf(2, capacity: 100));
        var slot = r.NextSlot(200, new Dictionary<string, long> { ["h0"] = 40 }); // h1 has nothing to shed
        Assert.Equal(["h0"], slot.Shed.ToArray());
        Assert.Equal(60, slot.StillOverPerMinute);
        Assert.Equal(0, r.MinutesLost["h1"]);
    }

    /// <summary>An evening peak, 17:00-23:00 in 15-minute slots, with random loads: the spread of
    /// curtailed minutes never exceeds the policy's bound and every shed minute is recorded.</summary>
    [Fact]
    public void SimulatedEvening_SpreadOfCurtailedMinutesStaysWithinThePolicyBound()
    {
        const int Slots = 6 * 60 / 15;
        var evening =
            from n in Gen.Int[2, 12]
            from capacity in Gen.Long[50, 1_000]
            from zoneLoads in Gen.Long[0, 2_000].Array[Slots]
            from households in Gen.Long[1, 200].Array[n].Array[Slots]
            select (n, capacity, zoneLoads, households);
        evening.Sample(e =>
        {
            var r = new RotationScheduler(ZoneOf(e.n, e.capacity));
            long shedCount = 0;
            for (var s = 0; s < Slots; s++)
            {
                var loads = Enumerable.Range(0, e.n).ToDictionary(i => $"h{i}", i => e.households[s][i]);
                var slot = r.NextSlot(e.zoneLoads[s], loads);
                shedCount += slot.Shed.Length;
                Assert.True(slot.StillOverPerMinute == 0 ? slot.LoadAfterPerMinute <= e.capacity : slot.Shed.Length == e.n);
                Assert.True(r.Spread <= r.Zone.MaxSpreadMinutes, $"spread {r.Spread} after slot {s}");
            }
            Assert.Equal(shedCount * r.Zone.RotationSlotMinutes, r.MinutesLost.Values.Sum());
        }, iter: 300);
    }
}
