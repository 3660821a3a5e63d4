using System.Globalization;
using Commons.Metering.Gateway.Domain;

namespace Commons.Metering.Cli;

/// <summary>One `--channel NAME=VALUE` of `provision`: a calibration for the pin map's channel NAME.</summary>
internal sealed record ChannelOverride(string Name, string Value)
{
    public override string ToString() => $"{Name}={Value}";
}

/// <summary>Parses `--channel` values of `provision`. The channels themselves come from the pin map;
/// a `--channel` only replaces the calibration of one of them, in the form its kind takes.</summary>
internal static class ChannelOverrideParser
{
    public static List<ChannelOverride> ParseAll(IReadOnlyList<string> specs)
    {
        var list = specs.Select(Parse).ToList();
        var duplicate = list.GroupBy(c => c.Name).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null) throw new FormatException($"channel '{duplicate.Key}' is given twice");
        return list;
    }

    public static ChannelOverride Parse(string spec)
    {
        var eq = spec.IndexOf('=');
        var name = eq < 0 ? spec : spec[..eq];
        if (!WireIds.IsChannelName(name)) throw new FormatException($"channel name '{name}' must match ^[a-z0-9][a-z0-9_]{{0,31}}$");
        if (eq < 0 || eq == spec.Length - 1)
            throw new FormatException($"--channel {spec}: give the calibration, NAME=UNITS/PULSES for a pulse channel or NAME=OFFSET:GRAMS/COUNTS for a load cell " +
                                      "(the channels themselves come from the pin map)");
        return new ChannelOverride(name, spec[(eq + 1)..]);
    }

    /// <summary>UNITS/PULSES as `metering calibrate pulse` prints it: register += pulses x UNITS / PULSES.</summary>
    public static (long Units, long Pulses) PulseFactor(ChannelOverride o) => Fraction(o.Value, o, allowNegative: false);

    /// <summary>OFFSET:GRAMS/COUNTS as `metering calibrate loadcell` prints it.</summary>
    public static (long OffsetCounts, long GramsNumerator, long CountsDenominator) LoadCell(ChannelOverride o)
    {
        var colon = o.Value.IndexOf(':');
        if (colon < 0 || !long.TryParse(o.Value[..colon], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var offset))
            throw new FormatException($"load cell channel '{o}': expected NAME=OFFSET:GRAMS/COUNTS");
        var (grams, counts) = Fraction(o.Value[(colon + 1)..], o, allowNegative: true);
        return (offset, grams, counts);
    }

    private static (long, long) Fraction(string s, ChannelOverride o, bool allowNegative)
    {
        var slash = s.IndexOf('/');
        var style = allowNegative ? NumberStyles.AllowLeadingSign : NumberStyles.None;
        if (slash < 0
            || !long.TryParse(s[..slash], style, CultureInfo.InvariantCulture, out var num)
            || !long.TryParse(s[(slash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var den)
            || den <= 0 || num == 0 || (!allowNegative && num < 0))
            throw new FormatException($"channel '{o}': expected a fraction NUMERATOR/DENOMINATOR of non-zero integers, positive denominator");
        return (num, den);
    }
}
