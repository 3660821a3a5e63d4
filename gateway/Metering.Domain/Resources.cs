namespace Commons.Metering.Gateway.Domain;

/// <summary>What a meter measures. Each resource has one integer base unit (docs/protocol.md,
/// "reading": mL for water, Wh for energy, g for forest).</summary>
public enum Resource
{
    Water,
    Energy,
    Forest,
}

public static class Resources
{
    public static string Name(this Resource r) => r switch
    {
        Resource.Water => "water",
        Resource.Energy => "energy",
        Resource.Forest => "forest",
        _ => throw new ArgumentOutOfRangeException(nameof(r), r, null),
    };

    public static string Unit(this Resource r) => r switch
    {
        Resource.Water => "mL",
        Resource.Energy => "Wh",
        Resource.Forest => "g",
        _ => throw new ArgumentOutOfRangeException(nameof(r), r, null),
    };

    /// <summary>Exact, case-sensitive names as on the wire and in the API.</summary>
    public static bool TryParse(string? name, out Resource resource)
    {
        switch (name)
        {
            case "water": resource = Resource.Water; return true;
            case "energy": resource = Resource.Energy; return true;
            case "forest": resource = Resource.Forest; return true;
            default: resource = default; return false;
        }
    }

    /// <summary>The resource whose base unit this is ("mL" -> water); units are case-sensitive.</summary>
    public static bool TryFromUnit(string? unit, out Resource resource)
    {
        switch (unit)
        {
            case "mL": resource = Resource.Water; return true;
            case "Wh": resource = Resource.Energy; return true;
            case "g": resource = Resource.Forest; return true;
            default: resource = default; return false;
        }
    }
}
