namespace Commons.Metering.Gateway.BrokerAccounts;

/// <summary>MQTT topic-filter arithmetic for the access rules (MQTT 3.1.1, section 4.7: '/'
/// separates levels, '+' matches one level, '#' the rest including the parent level).</summary>
internal static class TopicAcl
{
    /// <summary>docs/protocol.md, Topics: commons/v1/{community}/{meter}/...</summary>
    public const string Root = "commons/v1";

    /// <summary>True when every topic that <paramref name="filter"/> can match is also matched by
    /// <paramref name="pattern"/>. A plain topic name is a filter that matches only itself, so this
    /// answers both "may publish to this topic" and "may subscribe with this filter".</summary>
    public static bool Covers(string pattern, string filter)
    {
        var p = pattern.Split('/');
        var f = filter.Split('/');
        for (var i = 0; i < f.Length; i++)
        {
            if (i >= p.Length) return false;
            if (p[i] == "#") return true;
            if (f[i] == "#") return false;
            if (p[i] == "+") continue;
            if (f[i] == "+" || !string.Equals(p[i], f[i], StringComparison.Ordinal)) return false;
        }
        // "a/#" also matches "a" (MQTT 3.1.1, 4.7.1.2).
        return p.Length == f.Length || (p.Length == f.Length + 1 && p[^1] == "#");
    }

    public static bool AnyCovers(IEnumerable<string> patterns, string filter) => patterns.Any(p => Covers(p, filter));

    /// <summary>A shared subscription's filter without its "$share/{group}/" prefix (MQTT 5, 4.8.2).</summary>
    public static string WithoutShare(string filter) =>
        filter.StartsWith("$share/", StringComparison.Ordinal) && filter.IndexOf('/', 7) is > 0 and var group ? filter[(group + 1)..] : filter;

    /// <summary>True when some topic is matched by both filters.</summary>
    public static bool Overlap(string a, string b)
    {
        var x = a.Split('/');
        var y = b.Split('/');
        var n = Math.Min(x.Length, y.Length);
        for (var i = 0; i < n; i++)
        {
            if (x[i] == "#" || y[i] == "#") return true;
            if (x[i] != "+" && y[i] != "+" && !string.Equals(x[i], y[i], StringComparison.Ordinal)) return false;
        }
        // "a/#" also matches "a" (MQTT 3.1.1, 4.7.1.2).
        var longer = x.Length > y.Length ? x : y;
        return x.Length == y.Length || (longer.Length == n + 1 && longer[^1] == "#");
    }
}
