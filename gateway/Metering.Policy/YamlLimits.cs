using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace Commons.Metering.Gateway.Policy;

/// <summary>Bounds what a policy file may expand to before it is loaded into a tree (the "billion
/// laughs" attack): YAML aliases refer to an anchored node, and a loader that walks the tree walks the
/// anchored node once per alias, so ten nested levels of ten aliases are 10^10 nodes from a few KB.
/// One streaming pass over the parser's events counts every node as the walk would see it (an alias
/// counts as the size of its anchor), and refuses the file at the first limit it crosses: memory and
/// time stay in proportion to the file's length.</summary>
internal static class YamlLimits
{
    /// <summary>Policy/examples/village.yaml (45 households) is ~1,500 nodes; a community of 2,000
    /// households with several meters each stays under 50,000.</summary>
    public const long MaxNodes = 100_000;

    /// <summary>Aliases are a convenience for shared blocks (a tariff, a channel list); hundreds are not.</summary>
    public const int MaxAliases = 200;

    /// <summary>Adds an error and returns false when the document crosses a limit. Syntax errors are
    /// left to the real parse, which reports them with their position.</summary>
    public static bool Check(string yaml, PolicyErrors errors)
    {
        var parser = new Parser(new StringReader(yaml));
        var sizes = new Dictionary<string, long>(StringComparer.Ordinal);
        var open = new Stack<(string? Anchor, long Start)>();
        long nodes = 0;
        var aliases = 0;
        try
        {
            while (parser.MoveNext())
            {
                switch (parser.Current)
                {
                    case AnchorAlias alias:
                        aliases++;
                        nodes += sizes.GetValueOrDefault(alias.Value.Value, 1);
                        break;
                    case Scalar scalar:
                        nodes++;
                        if (!scalar.Anchor.IsEmpty) sizes[scalar.Anchor.Value] = 1;
                        break;
                    case SequenceStart or MappingStart:
                        nodes++;
                        var start = (NodeEvent)parser.Current;
                        open.Push((start.Anchor.IsEmpty ? null : start.Anchor.Value, nodes));
                        break;
                    case SequenceEnd or MappingEnd when open.Count > 0:
                        var (anchor, first) = open.Pop();
                        if (anchor is not null) sizes[anchor] = nodes - first + 1;
                        break;
                }
                if (aliases > MaxAliases)
                    return Refuse(errors, parser.Current!.Start, $"uses more than {MaxAliases} aliases (*name); write the values out or use fewer shared blocks");
                if (nodes > MaxNodes)
                    return Refuse(errors, parser.Current!.Start, $"expands to more than {MaxNodes} YAML nodes (aliases counted as what they repeat); a policy file is far smaller");
            }
        }
        catch (Exception e) when (e is YamlException or InvalidOperationException)
        {
            return true;
        }
        return true;
    }

    private static bool Refuse(PolicyErrors errors, Mark at, string message)
    {
        errors.Add(at, "(document)", message);
        return false;
    }
}
