using System.Xml.Linq;

namespace Commons.Metering.Esp32.Tests;

/// <summary>packages.config: the package set NuGet restores on a technician's machine.</summary>
internal static class PackagesConfig
{
    public static IReadOnlyDictionary<string, string> Load(string path)
    {
        var packages = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (XElement p in XDocument.Load(path).Root!.Elements("package"))
        {
            string id = (string)p.Attribute("id")!;
            string version = (string)p.Attribute("version")!;
            if (!packages.TryAdd(id, version))
            {
                Assert.Fail($"packages.config lists {id} twice ({packages[id]} and {version})");
            }
        }
        return packages;
    }

    /// <summary>NuGet's order of versions (numeric per part), for the nuspec minimums.</summary>
    public static bool AtLeast(string version, string minimum) => Version.Parse(version) >= Version.Parse(minimum);
}
