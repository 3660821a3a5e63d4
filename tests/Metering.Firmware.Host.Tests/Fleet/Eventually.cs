namespace Commons.Metering.Tests.Fleet;

/// <summary>Bounded polling for conditions that become true on the fleet's own threads.</summary>
internal static class Eventually
{
    public static async Task<bool> Until(Func<bool> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (condition()) return true;
            await Task.Delay(20);
        }
        return condition();
    }
}
