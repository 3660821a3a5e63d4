namespace Commons.Metering.Tests.Fleet;

/// <summary>Bounded polling for conditions that become true on the fleet's own threads
/// (Metering.Testing's <see cref="Testing.Poll"/>).</summary>
internal static class Eventually
{
    public static Task<bool> Until(Func<bool> condition, TimeSpan timeout) =>
        Testing.Poll.UntilAsync(condition, timeout, TimeSpan.FromMilliseconds(20));
}
