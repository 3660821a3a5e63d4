namespace Commons.Metering.Gateway.PolicyRuntime;

/// <summary>"Never one device alone" (docs/security.md): a breaker that cuts other households (a zone's
/// rotation, the community's resource breaker) acts on a load only as far as more than one device
/// stands behind it. The largest device's share counts only up to what the second-largest device
/// reports; the rest of that share is one device's word. So one device (forged, faulty, or whoever holds
/// its password) adds at most as much as the next device really measured: alone it opens nothing,
/// while two or more households truly drawing over the supply still do (two heaters of 300 Wh/min on
/// a 500 Wh/min supply: 600 corroborated). The physical bound per reading (Ledger/Plausibility.cs) is the
/// first line; this is the second, for a device that lies at a possible rate.</summary>
internal static class Corroboration
{
    /// <summary>The sum of <paramref name="bySource"/> with its largest term lowered to the second largest.</summary>
    public static long Corroborated(IEnumerable<long> bySource)
    {
        long sum = 0, first = 0, second = 0;
        foreach (var v in bySource)
        {
            if (v <= 0) continue;
            sum += v;
            if (v > first) (first, second) = (v, first);
            else if (v > second) second = v;
        }
        return sum - first + second;
    }

    /// <summary>The source with the largest term, for the log line that says who alone claimed an overload.</summary>
    public static string? Largest(IReadOnlyDictionary<string, long> bySource) =>
        bySource.Count == 0 ? null : bySource.MaxBy(kv => kv.Value).Key;
}
