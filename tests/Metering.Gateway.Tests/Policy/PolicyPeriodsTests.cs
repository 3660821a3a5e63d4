using Commons.Metering.Gateway.Policy;

namespace Commons.Metering.Gateway.Tests.Policy;

public sealed class PolicyPeriodsTests
{
    private static readonly TimeSpan Plus3 = TimeSpan.FromHours(3);

    [Theory]
    // 2026-01-01 22:30 UTC is already 2 January 01:30 at UTC+3 (a Friday).
    [InlineData(PolicyPeriod.Day, "2026-01-01T22:30:00Z", "2026-01-02T00:00:00+03:00", "2026-01-03T00:00:00+03:00")]
    [InlineData(PolicyPeriod.Week, "2026-01-01T22:30:00Z", "2025-12-29T00:00:00+03:00", "2026-01-05T00:00:00+03:00")]
    [InlineData(PolicyPeriod.Month, "2026-01-31T21:00:00Z", "2026-02-01T00:00:00+03:00", "2026-03-01T00:00:00+03:00")]
    [InlineData(PolicyPeriod.Season, "2026-01-15T12:00:00Z", "2025-12-01T00:00:00+03:00", "2026-03-01T00:00:00+03:00")]
    [InlineData(PolicyPeriod.Season, "2026-05-31T12:00:00Z", "2026-03-01T00:00:00+03:00", "2026-06-01T00:00:00+03:00")]
    [InlineData(PolicyPeriod.Season, "2026-12-02T12:00:00Z", "2026-12-01T00:00:00+03:00", "2027-03-01T00:00:00+03:00")]
    [InlineData(PolicyPeriod.Year, "2025-12-31T21:00:00Z", "2026-01-01T00:00:00+03:00", "2027-01-01T00:00:00+03:00")]
    public void Period_StartsAndEndsAtLocalBoundaries(PolicyPeriod period, string at, string start, string end)
    {
        var instant = DateTimeOffset.Parse(at, System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(DateTimeOffset.Parse(start, System.Globalization.CultureInfo.InvariantCulture), PolicyPeriods.StartOf(period, instant, Plus3));
        Assert.Equal(DateTimeOffset.Parse(end, System.Globalization.CultureInfo.InvariantCulture), PolicyPeriods.EndOf(period, instant, Plus3));
    }

    [Fact]
    public void EveryMonthOfTheYear_FallsInsideItsSeason()
    {
        for (var m = 1; m <= 12; m++)
        {
            var t = new DateTimeOffset(2026, m, 10, 0, 0, 0, TimeSpan.Zero);
            var s = PolicyPeriods.StartOf(PolicyPeriod.Season, t, TimeSpan.Zero);
            Assert.True(s <= t && t < PolicyPeriods.EndOf(PolicyPeriod.Season, t, TimeSpan.Zero), $"month {m}");
            Assert.Contains(s.Month, new[] { 3, 6, 9, 12 });
        }
    }
}
