namespace Commons.Metering.Esp32.Tests;

/// <summary>The compile-only reference assemblies of the nanoFramework libraries, laid beside the
/// checkout by the build machines and CI (<c>shared/nanoframework-refs</c> next to the repository):
/// <c>exact/&lt;Assembly&gt;/&lt;package version&gt;/</c> built from that version's source,
/// <c>approximate/...</c> built from a neighbouring version; MANIFEST.tsv says which package ships
/// which assemblies, DEPENDENCIES.tsv each package's declared (nuspec) minimums.</summary>
internal sealed class NanoRefs
{
    public const string ExactKind = "exact";
    public const string ApproximateKind = "approximate";

    private NanoRefs(string folder, IReadOnlyList<ManifestRow> manifest, IReadOnlyList<DependencyRow> dependencies)
    {
        Folder = folder;
        Manifest = manifest;
        Dependencies = dependencies;
    }

    public string Folder { get; }

    public IReadOnlyList<ManifestRow> Manifest { get; }

    public IReadOnlyList<DependencyRow> Dependencies { get; }

    /// <summary>Environment variable naming another folder (a technician's copy elsewhere).</summary>
    public const string FolderVariable = "METERING_NANOFRAMEWORK_REFS";

    /// <summary>Beside the checkout (the repository's parent folder holds <c>shared/</c>), unless
    /// <see cref="FolderVariable"/> names another folder.</summary>
    public static string DefaultFolder
    {
        get
        {
            string? set = Environment.GetEnvironmentVariable(FolderVariable);
            return string.IsNullOrEmpty(set)
                ? Path.GetFullPath(Path.Combine(RepoFiles.Root(), "..", "shared", "nanoframework-refs"))
                : Path.GetFullPath(set);
        }
    }

    public static bool IsPresent => File.Exists(Path.Combine(DefaultFolder, "MANIFEST.tsv"));

    public static bool RunningInCi =>
        string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>The reference assemblies, or a failure that says where they were looked for.</summary>
    public static NanoRefs Load()
    {
        string folder = DefaultFolder;
        if (!IsPresent)
        {
            Assert.Fail($"nanoFramework reference assemblies not found: {folder} (MANIFEST.tsv) is missing. " +
                "CI lays shared/ beside the clone; without it the ESP32 application cannot be checked here.");
        }
        return new NanoRefs(folder, ReadManifest(Path.Combine(folder, "MANIFEST.tsv")),
            ReadDependencies(Path.Combine(folder, "DEPENDENCIES.tsv")));
    }

    /// <summary>The reference assembly of <paramref name="assembly"/> at package version
    /// <paramref name="version"/>: exact when there is one, else approximate, else null.</summary>
    public ResolvedAssembly? Resolve(string assembly, string version)
    {
        foreach (string kind in new[] { ExactKind, ApproximateKind })
        {
            string path = Path.Combine(Folder, kind, assembly, version, assembly + ".dll");
            if (File.Exists(path))
            {
                return new ResolvedAssembly(assembly, version, kind, path);
            }
        }
        return null;
    }

    /// <summary>The assemblies a package ships at a version (MANIFEST.tsv), empty when unlisted.</summary>
    public IReadOnlyList<string> AssembliesOf(string package, string version) =>
        Manifest.Where(r => r.Package == package && r.Version == version).Select(r => r.Assembly).ToList();

    /// <summary>The versions of a package MANIFEST.tsv lists, for error messages.</summary>
    public string VersionsOf(string package)
    {
        var versions = Manifest.Where(r => r.Package == package).Select(r => $"{r.Version} ({r.Kind})").Distinct().ToList();
        return versions.Count == 0 ? "none" : string.Join(", ", versions);
    }

    private static List<ManifestRow> ReadManifest(string path) =>
        Rows(path, 8).Select(c => new ManifestRow(c[0], c[1], c[2], c[6])).ToList();

    private static List<DependencyRow> ReadDependencies(string path) =>
        Rows(path, 4).Select(c => new DependencyRow(c[0], c[1], c[2], c[3])).ToList();

    private static IEnumerable<string[]> Rows(string path, int columns)
    {
        string[] lines = File.ReadAllLines(path);
        for (int i = 1; i < lines.Length; i++)
        {
            if (lines[i].Length == 0)
            {
                continue;
            }
            string[] cells = lines[i].Split('\t');
            if (cells.Length < columns)
            {
                throw new InvalidDataException($"{path}:{i + 1}: {columns} tab-separated columns expected, found {cells.Length}");
            }
            yield return cells;
        }
    }
}

internal sealed record ManifestRow(string Package, string Version, string Assembly, string Kind);

internal sealed record DependencyRow(string Package, string Version, string DependsOn, string MinimumVersion);

internal sealed record ResolvedAssembly(string Assembly, string Version, string Kind, string Path);
