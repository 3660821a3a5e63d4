using System.Reflection;
using NetArchTest.Rules;

namespace Commons.Metering.Gateway.Tests.Architecture;

/// <summary>Reads which folders of an assembly use which (NetArchTest: the type references in the
/// compiled IL, so a `using` that nothing needs does not count and a fully qualified name does).
/// A folder is the first namespace part under the root; types of the root namespace itself are the host.</summary>
internal static class FolderLayers
{
    public const string Host = "(host)";

    /// <summary>The top-level folders that hold types.</summary>
    public static IReadOnlyList<string> Folders(Assembly assembly, string root) =>
        assembly.GetTypes().Select(t => t.Namespace ?? "").Where(n => n.StartsWith(root + ".", StringComparison.Ordinal))
            .Select(n => n[(root.Length + 1)..].Split('.')[0]).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();

    /// <summary>Every use of a folder in the same or a higher layer (or of the host) from a lower one, as
    /// "Folder -> Other: Type, Type"; empty when every dependency points down.</summary>
    public static IReadOnlyList<string> Violations(Assembly assembly, string root, IReadOnlyList<string[]> layersBottomFirst)
    {
        var hostTypes = assembly.GetTypes().Where(t => t.Namespace == root && t.DeclaringType is null && !t.Name.StartsWith('<'))
            .Select(t => t.FullName!).ToArray();
        var violations = new List<string>();
        for (var i = 0; i < layersBottomFirst.Count; i++)
        {
            foreach (var folder in layersBottomFirst[i])
            {
                var notBelow = layersBottomFirst.Skip(i).SelectMany(l => l).Where(f => f != folder).ToList();
                var forbidden = notBelow.Select(f => root + "." + f).Concat(hostTypes).ToArray();
                if (Check(assembly, root, folder, forbidden).IsSuccessful) continue;
                // Name each edge and the types that make it.
                foreach (var other in notBelow)
                {
                    var r = Check(assembly, root, folder, [root + "." + other]);
                    if (!r.IsSuccessful) violations.Add($"{folder} -> {other}: {Names(r, root)}");
                }
                var host = Check(assembly, root, folder, hostTypes);
                if (!host.IsSuccessful) violations.Add($"{folder} -> {Host}: {Names(host, root)}");
            }
        }
        return violations;
    }

    private static TestResult Check(Assembly assembly, string root, string folder, string[] forbidden) =>
        Types.InAssembly(assembly).That().ResideInNamespace(root + "." + folder).ShouldNot().HaveDependencyOnAny(forbidden).GetResult();

    private static string Names(TestResult r, string root) =>
        string.Join(", ", (r.FailingTypeNames ?? []).Select(n => n.StartsWith(root + ".", StringComparison.Ordinal) ? n[(root.Length + 1)..] : n).Order(StringComparer.Ordinal));
}
