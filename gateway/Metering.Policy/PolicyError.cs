using System.Collections.Immutable;

namespace Commons.Metering.Gateway.Policy;

/// <summary>One problem in a policy file: where (file, 1-based line and column, field path such as
/// <c>households[2].persons</c>) and what is wrong.</summary>
public sealed record PolicyError(string File, int Line, int Column, string Field, string Message)
{
    public override string ToString() => $"{File}:{Line}:{Column}: {Field}: {Message}";
}

/// <summary>Either a fully validated policy or every error found; never both, never half.</summary>
public sealed record PolicyLoadResult(CommunityPolicy? Policy, ImmutableArray<PolicyError> Errors)
{
    public bool Ok => Policy is not null;
}

/// <summary>Collects errors while a file is mapped; marks come from YamlDotNet's parser.</summary>
internal sealed class PolicyErrors(string file)
{
    private readonly List<PolicyError> _errors = [];

    public string File { get; } = file;
    public int Count => _errors.Count;
    public ImmutableArray<PolicyError> ToImmutable() => [.. _errors];

    private readonly Dictionary<object, (YamlDotNet.RepresentationModel.YamlNode Node, string Path)> _where = new(ReferenceEqualityComparer.Instance);

    public void Add(YamlDotNet.Core.Mark at, string field, string message) =>
        _errors.Add(new PolicyError(File, (int)at.Line, (int)at.Column, field, message));

    /// <summary>Remembers where a mapped object came from, for checks that span the whole file.</summary>
    public T Remember<T>(T item, YamlMapReader at) where T : class
    {
        _where[item] = (at.Node, at.Path);
        return item;
    }

    /// <summary>An error on a field (dotted sub-path) of a remembered object, at the field's own line
    /// when it is present, else at the object's.</summary>
    public void AddAt(object item, string field, string message)
    {
        if (!_where.TryGetValue(item, out var w)) { Add(YamlDotNet.Core.Mark.Empty, field, message); return; }
        var node = w.Node;
        foreach (var key in field.Split('.', StringSplitOptions.RemoveEmptyEntries))
            if (node is YamlDotNet.RepresentationModel.YamlMappingNode m
                && m.Children.FirstOrDefault(c => (c.Key as YamlDotNet.RepresentationModel.YamlScalarNode)?.Value == key).Value is { } child)
                node = child;
        Add(node.Start, field.Length == 0 ? w.Path : $"{w.Path}.{field}", message);
    }
}
