namespace Commons.Metering.Cli;

/// <summary>The board variants' pin maps (hardware/pinmaps/VARIANT.json: board, pins, channels with
/// default calibration; format in firmware/README.md), from which provision builds config.json.</summary>
internal static class PinMaps
{
    public static readonly string DefaultFolder = Path.Combine("hardware", "pinmaps");

    /// <summary>The default variant of a resource: water-node, energy-node or forest-node.</summary>
    public static string DefaultVariant(string resource) => $"{resource}-node";

    /// <summary><paramref name="given"/> if set; else hardware/pinmaps in the current directory or
    /// one above it, else above the tool itself (the repository it was built in); null if none.</summary>
    public static string? Locate(string? given)
    {
        if (given is not null) return Directory.Exists(given) ? Path.GetFullPath(given) : null;
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, DefaultFolder);
                if (Directory.Exists(candidate)) return candidate;
            }
        }
        return null;
    }

    public static IReadOnlyList<string> Variants(string folder) =>
        Directory.GetFiles(folder, "*.json").Select(p => Path.GetFileNameWithoutExtension(p)).Order(StringComparer.Ordinal).ToList();

    public static string PathOf(string folder, string variant) => Path.Combine(folder, variant + ".json");
}
