using System.Globalization;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Commons.Metering.Gateway.Policy;

/// <summary>Reads one YAML mapping field by field, keeping the parser's marks so that every error
/// names its line and field path. Unknown keys are errors (a typo must not silently fall back to a
/// default).</summary>
internal sealed class YamlMapReader
{
    private readonly YamlMappingNode _node;
    private readonly HashSet<string> _read = [];

    public YamlMapReader(YamlMappingNode node, string path, PolicyErrors errors)
    {
        _node = node;
        Path = path;
        Errors = errors;
    }

    public string Path { get; }
    public PolicyErrors Errors { get; }
    public Mark Start => _node.Start;
    public YamlMappingNode Node => _node;

    /// <summary>Where a field's value starts, or the mapping's start when the field is absent.</summary>
    public Mark At(string key)
    {
        foreach (var (k, v) in _node.Children)
            if (k is YamlScalarNode s && s.Value == key) return v.Start;
        return _node.Start;
    }

    public static YamlMapReader? From(YamlNode node, string path, PolicyErrors errors)
    {
        if (node is YamlMappingNode m) return new YamlMapReader(m, path, errors);
        errors.Add(node.Start, path.Length == 0 ? "(document)" : path, "must be a mapping (key: value lines)");
        return null;
    }

    public string Field(string key) => Path.Length == 0 ? key : $"{Path}.{key}";

    public YamlNode? Get(string key, bool required)
    {
        _read.Add(key);
        foreach (var (k, v) in _node.Children)
            if (k is YamlScalarNode s && s.Value == key) return v;
        if (required) Errors.Add(_node.Start, Field(key), "is required but missing");
        return null;
    }

    public string? String(string key, bool required = true)
    {
        var n = Get(key, required);
        if (n is null) return null;
        if (n is YamlScalarNode { Value: { Length: > 0 } v }) return v;
        Errors.Add(n.Start, Field(key), "must be a non-empty text value");
        return null;
    }

    public long? Long(string key, long min, long max, bool required = true)
    {
        var n = Get(key, required);
        return n is null ? null : ParseLong(n, Field(key), min, max, Errors);
    }

    public int? Int(string key, int min, int max, bool required = true) => (int?)Long(key, min, max, required);

    public static long? ParseLong(YamlNode n, string field, long min, long max, PolicyErrors errors)
    {
        // YAML 1.1 allows '_' as a digit separator (2_000_000); integers only: amounts are exact.
        if (n is YamlScalarNode { Value: { } raw }
            && long.TryParse(raw.Replace("_", ""), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v))
        {
            if (v >= min && v <= max) return v;
            errors.Add(n.Start, field, $"is {v}, must be between {min} and {max}");
            return null;
        }
        errors.Add(n.Start, field, $"must be a whole number, got '{(n as YamlScalarNode)?.Value ?? n.NodeType.ToString()}'");
        return null;
    }

    public T? Enum<T>(string key, IReadOnlyDictionary<string, T> names, bool required = true) where T : struct
    {
        var n = Get(key, required);
        return n is null ? null : ParseEnum(n, Field(key), names, Errors);
    }

    public static T? ParseEnum<T>(YamlNode n, string field, IReadOnlyDictionary<string, T> names, PolicyErrors errors) where T : struct
    {
        if (n is YamlScalarNode { Value: { } v } && names.TryGetValue(v, out var e)) return e;
        errors.Add(n.Start, field, $"must be one of {string.Join(", ", names.Keys)}, got '{(n as YamlScalarNode)?.Value}'");
        return null;
    }

    public YamlMapReader? Map(string key, bool required = true)
    {
        var n = Get(key, required);
        return n is null ? null : From(n, Field(key), Errors);
    }

    /// <summary>The items of a sequence with their paths (<c>key[i]</c>); empty when missing or wrong.</summary>
    public IReadOnlyList<(YamlNode Node, string Path)> Seq(string key, bool required = true, bool nonEmpty = true)
    {
        var n = Get(key, required);
        if (n is null) return [];
        if (n is not YamlSequenceNode s)
        {
            Errors.Add(n.Start, Field(key), "must be a list");
            return [];
        }
        if (nonEmpty && s.Children.Count == 0) Errors.Add(n.Start, Field(key), "must not be empty");
        return s.Children.Select((c, i) => (c, $"{Field(key)}[{i}]")).ToList();
    }

    /// <summary>Call after reading: every key not asked for is reported as unknown.</summary>
    public void RejectUnknownKeys()
    {
        foreach (var (k, _) in _node.Children)
        {
            var name = (k as YamlScalarNode)?.Value ?? "?";
            if (!_read.Contains(name)) Errors.Add(k.Start, Field(name), "is not a known field (misspelt?)");
        }
    }
}
