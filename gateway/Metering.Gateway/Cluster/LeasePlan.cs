namespace Commons.Metering.Gateway.Cluster;

/// <summary>The arithmetic of sharing communities among live instances, kept pure for its tests.</summary>
internal static class LeasePlan
{
    /// <summary>An instance's fair share: the communities divided by the live instances, rounded up, so
    /// every community finds an owner while each instance stays within one of the others.</summary>
    public static int Share(int communities, int liveInstances) =>
        communities == 0 ? 0 : (communities + Math.Max(1, liveInstances) - 1) / Math.Max(1, liveInstances);

    /// <summary>What an instance over its share gives back: the last of its communities in the cluster's
    /// order, so two instances that rebalance at once give back different ones less often.</summary>
    public static IReadOnlyList<string> Surplus(IReadOnlyList<string> communities, IReadOnlyCollection<string> held, int share) =>
        held.Count <= share ? [] : communities.Where(held.Contains).Reverse().Take(held.Count - share).ToList();

    /// <summary>The communities to try, in an order that starts at a place of the instance's own (its id's
    /// stable hash), so instances starting together do not all race for the first one.</summary>
    public static IReadOnlyList<string> Candidates(IReadOnlyList<string> communities, IReadOnlyCollection<string> held, string instance)
    {
        if (communities.Count == 0) return [];
        var start = (int)(StableHash(instance) % (uint)communities.Count);
        return Enumerable.Range(0, communities.Count).Select(i => communities[(start + i) % communities.Count]).Where(c => !held.Contains(c)).ToList();
    }

    /// <summary>Whether a lease renewed (or taken) at <paramref name="renewedAt"/> must be given up now:
    /// at <paramref name="giveUpAfter"/> on the monotonic clock, before the database could hand it on.</summary>
    public static bool MustGiveUp(TimeProvider time, long renewedAt, TimeSpan giveUpAfter) =>
        time.GetElapsedTime(renewedAt) >= giveUpAfter;

    /// <summary>FNV-1a (http://www.isthe.com/chongo/tech/comp/fnv/): string.GetHashCode differs per process.</summary>
    private static uint StableHash(string s)
    {
        var h = 2166136261u;
        foreach (var ch in s) h = (h ^ ch) * 16777619u;
        return h;
    }
}
