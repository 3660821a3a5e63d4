using System.Text.RegularExpressions;

namespace Commons.Metering.Cli;

internal static partial class Ids
{
    /// <summary>docs/protocol.md, Topics: community and meter ids.</summary>
    [GeneratedRegex("^[a-z0-9][a-z0-9_-]{0,47}$")]
    public static partial Regex Id();

    /// <summary>docs/protocol.md, reading: channel names.</summary>
    [GeneratedRegex("^[a-z0-9][a-z0-9_]{0,31}$")]
    public static partial Regex Channel();

    /// <summary>docs/protocol.md, command: `cid` (also what the ack echoes, unescaped).</summary>
    [GeneratedRegex("^[A-Za-z0-9_-]{1,32}$")]
    public static partial Regex Cid();

    public static bool IsId(string? s) => s is not null && Id().IsMatch(s);

    public static readonly IReadOnlyDictionary<string, string> UnitOf = new Dictionary<string, string>
    {
        ["water"] = "mL",
        ["energy"] = "Wh",
        ["forest"] = "g",
    };
}
