namespace Commons.Metering.Gateway.Policy;

/// <summary>Where a policy period starts and ends, in community-local time (the ledger sums usage
/// between these instants). Weeks start on Monday (ISO 8601); seasons are the meteorological ones,
/// starting 1 March, 1 June, 1 September and 1 December.</summary>
public static class PolicyPeriods
{
    public static DateTimeOffset StartOf(PolicyPeriod period, DateTimeOffset instant, TimeSpan utcOffset)
    {
        var local = instant.ToOffset(utcOffset);
        var day = new DateTimeOffset(local.Year, local.Month, local.Day, 0, 0, 0, utcOffset);
        return period switch
        {
            PolicyPeriod.Day => day,
            PolicyPeriod.Week => day.AddDays(-(((int)local.DayOfWeek + 6) % 7)),
            PolicyPeriod.Month => new DateTimeOffset(local.Year, local.Month, 1, 0, 0, 0, utcOffset),
            PolicyPeriod.Season => SeasonStart(local, utcOffset),
            PolicyPeriod.Year => new DateTimeOffset(local.Year, 1, 1, 0, 0, 0, utcOffset),
            _ => throw new ArgumentOutOfRangeException(nameof(period), period, null),
        };
    }

    /// <summary>The first instant after the period that contains <paramref name="instant"/>.</summary>
    public static DateTimeOffset EndOf(PolicyPeriod period, DateTimeOffset instant, TimeSpan utcOffset)
    {
        var start = StartOf(period, instant, utcOffset);
        return period switch
        {
            PolicyPeriod.Day => start.AddDays(1),
            PolicyPeriod.Week => start.AddDays(7),
            PolicyPeriod.Month => start.AddMonths(1),
            PolicyPeriod.Season => start.AddMonths(3),
            PolicyPeriod.Year => start.AddYears(1),
            _ => throw new ArgumentOutOfRangeException(nameof(period), period, null),
        };
    }

    private static DateTimeOffset SeasonStart(DateTimeOffset local, TimeSpan offset)
    {
        // Months 3-5 -> March, 6-8 -> June, 9-11 -> September, 12 and 1-2 -> December (of the year before for 1-2).
        var firstMonth = local.Month % 12 / 3 * 3;
        firstMonth = firstMonth == 0 ? 12 : firstMonth;
        var year = local.Month < 3 ? local.Year - 1 : local.Year;
        return new DateTimeOffset(year, firstMonth, 1, 0, 0, 0, offset);
    }
}
