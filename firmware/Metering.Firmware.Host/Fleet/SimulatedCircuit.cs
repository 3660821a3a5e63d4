using Commons.Metering.Gateway.Domain;

namespace Commons.Metering.Firmware.Host.Fleet;

/// <summary>One circuit (energy) or branch (water) of a simulated household: its own channel with its
/// own relay or valve. <paramref name="Share"/> is the part of the household's use that flows through
/// it (the shares of a meter are normalised to 1), so a meter with circuits uses as much as one without.</summary>
public sealed record SimulatedCircuit(string Name, double Share)
{
    /// <summary>An energy node as the policy scenarios name its circuits: the freezer (essential in a
    /// policy), the dishwasher and the washing machine (discretionary). Shares are an assumption:
    /// the two machines carry most of an evening's sheddable load.</summary>
    public static IReadOnlyList<SimulatedCircuit> EnergyNode { get; } =
    [
        new("freezer", 0.2), new("dishwasher", 0.4), new("washing_machine", 0.4),
    ];

    /// <summary>Parses "name:share,name:share" (the simulator's --circuits); throws <see cref="FormatException"/>.</summary>
    public static IReadOnlyList<SimulatedCircuit> Parse(string text) =>
        text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(part =>
        {
            var pieces = part.Split(':');
            if (pieces.Length != 2 || !double.TryParse(pieces[1], System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var share))
                throw new FormatException($"circuit '{part}' is not name:share");
            return new SimulatedCircuit(pieces[0], share);
        }).ToList();

    /// <summary>Throws <see cref="ArgumentException"/> naming the first bad circuit of a meter's list.</summary>
    public static void Validate(IReadOnlyList<SimulatedCircuit> circuits)
    {
        // docs/protocol.md, reading: 1..16 channels per reading.
        if (circuits.Count > 16) throw new ArgumentException($"{circuits.Count} circuits: a device reports at most 16 channels");
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var c in circuits)
        {
            if (!WireIds.IsChannelName(c.Name)) throw new ArgumentException($"circuit '{c.Name}' must match ^[a-z0-9][a-z0-9_]{{0,31}}$");
            if (!seen.Add(c.Name)) throw new ArgumentException($"circuit '{c.Name}' appears twice");
            if (!(c.Share > 0) || double.IsInfinity(c.Share)) throw new ArgumentException($"circuit '{c.Name}' needs a positive share");
        }
    }
}
