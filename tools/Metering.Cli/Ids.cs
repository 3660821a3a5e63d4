namespace Commons.Metering.Cli;

/// <summary>The unit of each resource's registers as config.json names it (docs/protocol.md, "reading");
/// the id rules themselves are the wire contract's (Metering.Domain, <c>WireIds</c>).</summary>
internal static class Ids
{
    public static readonly IReadOnlyDictionary<string, string> UnitOf = new Dictionary<string, string>
    {
        ["water"] = "mL",
        ["energy"] = "Wh",
        ["forest"] = "g",
    };
}
