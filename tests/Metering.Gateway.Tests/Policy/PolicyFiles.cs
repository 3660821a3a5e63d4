namespace Commons.Metering.Gateway.Tests.Policy;

/// <summary>The example policy shipped with the gateway, read from the source tree.</summary>
internal static class PolicyFiles
{
    /// <summary>The checkout: above the test binaries, else above this source file.</summary>
    public static string RepoRoot([System.Runtime.CompilerServices.CallerFilePath] string source = "")
    {
        foreach (var start in new[] { AppContext.BaseDirectory, Path.GetDirectoryName(source) ?? "/" })
            for (var d = new DirectoryInfo(start); d is not null; d = d.Parent)
                if (File.Exists(Path.Combine(d.FullName, "Metering.sln"))) return d.FullName;
        throw new InvalidOperationException("Metering.sln not found above " + AppContext.BaseDirectory);
    }

    public static string VillagePath => Path.Combine(RepoRoot(), "gateway", "Metering.Policy", "examples", "village.yaml");

    public static string Village => File.ReadAllText(VillagePath);

    /// <summary>1-based line of the first occurrence of <paramref name="text"/>.</summary>
    public static int LineOf(string yaml, string text)
    {
        var at = yaml.IndexOf(text, StringComparison.Ordinal);
        if (at < 0) throw new ArgumentException($"'{text}' not in the file");
        return yaml[..at].Count(c => c == '\n') + 1;
    }
}
