using Commons.Metering.Firmware.Host.Platform;
using Commons.Metering.Firmware.Host.Sensors;

namespace Commons.Metering.Tests.Sensors;

public sealed class ProfileTests
{
    private static readonly long Midnight = new DateTimeOffset(2026, 3, 2, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();
    private const long Hour = 3_600_000;

    [Fact]
    public void WholeDay_WithoutNoise_IsTheDailyTotal()
    {
        var p = new DiurnalProfile(DiurnalProfile.DaiadWaterShares, 225_000, new SeededRandom(1), noise: 0);
        Assert.Equal(225_000, p.Usage(Midnight + 5 * Hour, Midnight + 29 * Hour), 6);
    }

    [Fact]
    public void Usage_DoesNotDependOnHowOftenItIsAsked()
    {
        var p = new DiurnalProfile(DiurnalProfile.OpsdEnergyShares, 9_900, new SeededRandom(1), noise: 0);
        double stepped = 0;
        for (var t = Midnight; t < Midnight + 24 * Hour; t += 7_777) stepped += p.Usage(t, Math.Min(t + 7_777, Midnight + 24 * Hour));
        Assert.Equal(p.Usage(Midnight, Midnight + 24 * Hour), stepped, 6);
    }

    [Fact]
    public void MorningPeak_FollowsTheLocalHour()
    {
        // UTC+1: 07:00-08:00 local is 06:00-07:00 UTC and gets the 07:00 share.
        var shares = new double[24];
        shares[7] = 1;
        var p = new DiurnalProfile(shares, 1000, new SeededRandom(1), utcOffsetHours: 1, noise: 0);
        Assert.Equal(1000, p.Usage(Midnight + 6 * Hour, Midnight + 7 * Hour), 6);
        Assert.Equal(0, p.Usage(Midnight + 7 * Hour, Midnight + 30 * Hour), 6);
    }

    [Fact]
    public void Noise_StaysWithinItsBand()
    {
        var p = new DiurnalProfile(DiurnalProfile.DaiadWaterShares, 24_000, new SeededRandom(3), noise: 0.5);
        var flat = new DiurnalProfile(DiurnalProfile.DaiadWaterShares, 24_000, new SeededRandom(3), noise: 0);
        for (var h = 0; h < 48; h++)
        {
            var expected = flat.Usage(Midnight + h * Hour, Midnight + (h + 1) * Hour);
            Assert.InRange(p.Usage(Midnight + h * Hour, Midnight + (h + 1) * Hour), expected * 0.5 - 1e-9, expected * 1.5 + 1e-9);
        }
    }

    [Fact]
    public void PulseAccumulator_CarriesFractionsIntoLaterPulses()
    {
        var acc = new PulseAccumulator(1000);
        Assert.Equal(0, acc.Add(600));
        Assert.Equal(1, acc.Add(600));
        Assert.Equal(2, acc.Add(1800));
        Assert.Equal(0, acc.Add(0));
    }

    [Fact]
    public void ForestLoads_ComeOnlyInOpeningHours_AtAboutTheirMeanRate()
    {
        var loads = new ForestLoadProfile(new SeededRandom(5), loadsPerDay: 3, utcOffsetHours: 0);
        var count = 0;
        for (var day = 0; day < 400; day++)
        {
            var d = Midnight + day * 24 * Hour;
            Assert.Empty(loads.Loads(d, d + ForestLoadProfile.OpenHour * Hour));
            Assert.Empty(loads.Loads(d + ForestLoadProfile.CloseHour * Hour, d + 24 * Hour));
            var open = loads.Loads(d + ForestLoadProfile.OpenHour * Hour, d + ForestLoadProfile.CloseHour * Hour);
            Assert.All(open, g => Assert.InRange(g, 10_000, 40_000));
            count += open.Count;
        }
        Assert.InRange(count / 400.0, 2.7, 3.3); // Poisson mean 3, 1200 draws: sd of the mean ~0.09
    }
}
