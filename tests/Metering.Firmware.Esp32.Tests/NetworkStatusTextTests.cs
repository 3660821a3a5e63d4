using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Commons.Metering.Esp32.Tests;

/// <summary>Board/NetworkStatusText.cs names every member of NetworkHelperStatus as the package
/// at the packages.config version declares it (nanoFramework's enum ToString() logs a number).</summary>
public sealed class NetworkStatusTextTests
{
    [Esp32CheckFact]
    public void Every_network_helper_status_is_logged_by_its_own_name()
    {
        string version = PackagesConfig.Load(RepoFiles.PackagesConfig)["nanoFramework.System.Net"];
        ResolvedAssembly? net = NanoRefs.Load().Resolve("System.Net", version);
        Assert.NotNull(net);
        var members = EnumMembers(net.Path, "nanoFramework.Networking", "NetworkHelperStatus");
        Assert.NotEmpty(members);

        var root = CSharpSyntaxTree.ParseText(File.ReadAllText(Path.Combine(RepoFiles.Esp32Folder, "Board", "NetworkStatusText.cs"))).GetRoot();
        var named = new List<string>();
        foreach (var section in root.DescendantNodes().OfType<SwitchSectionSyntax>())
        {
            var label = section.Labels.OfType<CaseSwitchLabelSyntax>().SingleOrDefault();
            if (label == null)
            {
                continue;
            }
            string member = ((MemberAccessExpressionSyntax)label.Value).Name.Identifier.Text;
            var text = section.Statements.OfType<ReturnStatementSyntax>().Single().Expression as LiteralExpressionSyntax;
            Assert.Equal(member, text?.Token.ValueText);
            named.Add(member);
        }
        Assert.Equal(members.Order(StringComparer.Ordinal), named.Order(StringComparer.Ordinal));
    }

    private static List<string> EnumMembers(string path, string ns, string name)
    {
        using var stream = File.OpenRead(path);
        using var pe = new PEReader(stream);
        MetadataReader md = pe.GetMetadataReader();
        var type = md.TypeDefinitions.Select(md.GetTypeDefinition)
            .Single(t => md.GetString(t.Namespace) == ns && md.GetString(t.Name) == name);
        return type.GetFields().Select(md.GetFieldDefinition)
            .Where(f => (f.Attributes & FieldAttributes.Static) != 0)
            .Select(f => md.GetString(f.Name)).ToList();
    }
}
