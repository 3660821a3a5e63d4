using System.Text.RegularExpressions;

namespace Commons.Metering.Gateway.Domain;

/// <summary>The id rules of the wire contract (docs/protocol.md, "Topics", "reading", "command"), once
/// for the gateway, the command line and the host runtime. The device checks the same rules by hand in
/// the nanoFramework subset (firmware/Metering.Firmware.Core/Ascii.cs, no regular expressions there).
/// The patterns end in <c>\z</c>, not <c>$</c>: <c>$</c> also matches before a final line feed, so
/// "m1\n" would pass as an id and reach a topic, a broker user name or a file name.</summary>
public static partial class WireIds
{
    /// <summary>Community and meter ids as docs/protocol.md writes the rule (for messages).</summary>
    public const string IdRule = "^[a-z0-9][a-z0-9_-]{0,47}$";

    /// <summary>Channel (and gauge) names as docs/protocol.md writes the rule.</summary>
    public const string ChannelRule = "^[a-z0-9][a-z0-9_]{0,31}$";

    /// <summary>Command ids and permits as docs/protocol.md writes the rule.</summary>
    public const string TokenRule = "^[A-Za-z0-9_-]{1,32}$";

    /// <summary>A community or meter id (also the meter's MQTT user name and client id).</summary>
    public static bool IsId(string? value) => value is not null && Id().IsMatch(value);

    /// <summary>A channel or gauge name.</summary>
    public static bool IsChannelName(string? value) => value is not null && Channel().IsMatch(value);

    /// <summary>A command id (<c>cid</c>) or a permit.</summary>
    public static bool IsToken(string? value) => value is not null && Token().IsMatch(value);

    [GeneratedRegex("^[a-z0-9][a-z0-9_-]{0,47}\\z", RegexOptions.CultureInvariant)]
    private static partial Regex Id();

    [GeneratedRegex("^[a-z0-9][a-z0-9_]{0,31}\\z", RegexOptions.CultureInvariant)]
    private static partial Regex Channel();

    [GeneratedRegex("^[A-Za-z0-9_-]{1,32}\\z", RegexOptions.CultureInvariant)]
    private static partial Regex Token();
}
