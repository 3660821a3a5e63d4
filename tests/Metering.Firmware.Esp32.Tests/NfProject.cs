using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace Commons.Metering.Esp32.Tests;

/// <summary>What the nanoFramework build of the .nfproj would read: its LangVersion, its Compile
/// items (wildcards and Exclude expanded as MSBuild does for the patterns this project uses) and its
/// References with their HintPaths. Nothing else is assumed: a file or reference missing from the
/// .nfproj is missing from the check too.</summary>
internal sealed partial class NfProject
{
    private static readonly XNamespace Ns = "http://schemas.microsoft.com/developer/msbuild/2003";

    private NfProject(string folder, XDocument xml)
    {
        Folder = folder;
        Xml = xml;
    }

    public string Folder { get; }

    public XDocument Xml { get; }

    public static NfProject Load(string path) => new(Path.GetDirectoryName(path)!, XDocument.Load(path));

    public string? Property(string name) => Xml.Descendants(Ns + name).Select(e => e.Value.Trim()).FirstOrDefault();

    /// <summary>The raw Include of every Compile item, as written (backslashes).</summary>
    public IReadOnlyList<string> CompileIncludes =>
        Xml.Descendants(Ns + "Compile").Select(c => (string)c.Attribute("Include")!).ToList();

    /// <summary>Every file the Compile items select, as full paths, in item order, without duplicates.</summary>
    public IReadOnlyList<string> CompileFiles()
    {
        var files = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (XElement item in Xml.Descendants(Ns + "Compile"))
        {
            string include = (string)item.Attribute("Include")!;
            string[] excludes = ((string?)item.Attribute("Exclude") ?? "")
                .Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            foreach (string file in Expand(include))
            {
                if (!excludes.Any(x => Matches(x, file)) && seen.Add(file))
                {
                    files.Add(file);
                }
            }
        }
        return files;
    }

    /// <summary>The References: Include (assembly name) and HintPath as written.</summary>
    public IReadOnlyList<NfReference> References =>
        Xml.Descendants(Ns + "Reference")
            .Select(r => new NfReference((string)r.Attribute("Include")!, r.Element(Ns + "HintPath")?.Value.Trim()))
            .ToList();

    private IEnumerable<string> Expand(string include)
    {
        string pattern = include.Replace('\\', '/');
        int wildcard = pattern.IndexOfAny(['*', '?']);
        if (wildcard < 0)
        {
            // A literal item is compiled whether or not the file exists: a missing file is an error
            // of the build, reported by the compilation, not silently dropped here.
            yield return Full(pattern);
            yield break;
        }
        string baseDir = Full(pattern[..(pattern.LastIndexOf('/', wildcard) + 1)]);
        if (!Directory.Exists(baseDir))
        {
            yield break;
        }
        foreach (string file in Directory.EnumerateFiles(baseDir, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            if (Matches(include, file))
            {
                yield return file;
            }
        }
    }

    /// <summary>MSBuild wildcard semantics for the patterns used here: <c>**</c> any number of
    /// folders, <c>*</c> and <c>?</c> within one name.</summary>
    private bool Matches(string pattern, string fullPath)
    {
        string full = Full(pattern.Replace('\\', '/'));
        string regex = "^" + Regex.Escape(full)
            .Replace(@"\*\*/", "(?:.*/)?")
            .Replace(@"\*\*", ".*")
            .Replace(@"\*", "[^/]*")
            .Replace(@"\?", "[^/]") + "$";
        return Regex.IsMatch(fullPath, regex);
    }

    private string Full(string relative)
    {
        string full = Path.GetFullPath(Path.Combine(Folder, relative));
        return relative.EndsWith('/') && !full.EndsWith('/') ? full + "/" : full;
    }

    /// <summary>A HintPath as the packages.config restore lays it out.</summary>
    [GeneratedRegex(@"^packages\\(?<id>[A-Za-z0-9_.]+?)\.(?<version>\d+\.\d+\.\d+)\\lib\\(?<file>[A-Za-z0-9_.]+)\.dll$")]
    public static partial Regex HintPathPattern();
}

internal sealed record NfReference(string Include, string? HintPath)
{
    public Match Parsed => NfProject.HintPathPattern().Match(HintPath ?? "");
}
