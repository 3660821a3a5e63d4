using Commons.Metering.Tests.Doubles;
using Xunit.Abstractions;

namespace Commons.Metering.Tests;

/// <summary>Flash wear of the default configuration on a 64 KB region (16 blocks of 4 KB):
/// measured erase rates per block, against the figures documented in totals-ring.md.</summary>
public class FlashWearTests(ITestOutputHelper output)
{
    /// <summary>Erase cycles a NOR flash block endures (ESP32 SPI flash datasheets: 100,000).</summary>
    private const double EnduranceCycles = 100_000;
    private const int Days = 20;

    private double[] ErasesPerBlockPerDay(bool online)
    {
        return ErasesPerBlockPerDay(online, out _);
    }

    private double[] ErasesPerBlockPerDay(bool online, out double bytesPerDay, bool policy = false)
    {
        var rig = Rig.Started(Rig.WaterMeter, new FlashDouble(4096, 16));
        rig.Transport.AcceptConnections = online;
        if (policy)
        {
            // A daily allowance (rolled over every midnight) and safety thresholds on the channel.
            const string Topic = "commons/v1/valley/house-7/down/cmd";
            rig.Transport.Deliver(Topic, """{"v":1,"cid":"a","exp":9999999999999,"op":"allowance","ch":"main","limit":9000000000,"period_s":86400,"class":"essential"}""");
            rig.Transport.Deliver(Topic, """{"v":1,"cid":"s","exp":9999999999999,"op":"safety","ch":"main","leak_s":0,"burst_per_min":1000000}""");
            rig.Device.Tick();
        }
        int[] start = (int[])rig.Flash.EraseCounts.Clone();
        long programmed = rig.Flash.BytesProgrammed;
        for (int minute = 0; minute < Days * 1440; minute++)
        {
            rig.WaterChannel.AddPulses(300); // water flows all day: every totals write is due
            rig.Clock.Advance(60_000);
            rig.Device.Tick();
            if (online)
            {
                rig.Transport.AckAll();
                rig.Device.Tick();
            }
        }
        bytesPerDay = (rig.Flash.BytesProgrammed - programmed) / (double)Days;
        return rig.Flash.EraseCounts.Select((e, i) => (e - start[i]) / (double)Days).ToArray();
    }

    private void Report(string label, double[] perDay)
    {
        double totals = perDay[..4].Max();
        double outbox = perDay[4..].Max();
        output.WriteLine($"{label}: totals blocks {totals:F2} erases/day, outbox blocks {outbox:F2} erases/day, "
            + $"life {EnduranceCycles / Math.Max(totals, outbox) / 365:F0} years; "
            + $"per block: {string.Join(" ", perDay.Select(p => p.ToString("F2")))}");
    }

    [Fact]
    public void Online_a_reading_a_minute_wears_each_block_at_most_twice_a_day()
    {
        double[] perDay = ErasesPerBlockPerDay(online: true, out double bytes);
        Report("online", perDay);
        output.WriteLine($"online: {bytes / 1024:F1} KiB programmed per day");
        Assert.All(perDay, p => Assert.InRange(p, 0.1, 2.0)); // every block takes its share, none more
        Assert.True(EnduranceCycles / perDay.Max() / 365 > 100, "over a century of life");
    }

    [Fact]
    public void Online_with_a_local_policy_each_block_still_lasts_over_a_century()
    {
        double[] perDay = ErasesPerBlockPerDay(online: true, out double bytes, policy: true);
        Report("online with a policy", perDay);
        output.WriteLine($"online with a policy: {bytes / 1024:F1} KiB programmed per day");
        Assert.All(perDay, p => Assert.InRange(p, 0.1, 2.5));
        Assert.True(EnduranceCycles / perDay.Max() / 365 > 100, "over a century of life");
    }

    [Fact]
    public void Offline_with_a_full_outbox_wears_each_block_at_most_three_times_a_day()
    {
        double[] perDay = ErasesPerBlockPerDay(online: false, out double bytes);
        Report("offline", perDay);
        output.WriteLine($"offline: {bytes / 1024:F1} KiB programmed per day");
        Assert.All(perDay, p => Assert.InRange(p, 0.1, 3.0));
        Assert.True(EnduranceCycles / perDay.Max() / 365 > 90, "about a century of life even offline");
    }
}
