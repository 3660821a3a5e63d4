using System.Collections.Immutable;

namespace Commons.Metering.Gateway.Policy;

/// <summary>docs/design.md rule 2 as a predicate: a set of curtailed classes is "ordered" when it is
/// closed downward (essential only with standard, standard only with discretionary).</summary>
public static class ShedOrder
{
    public static bool IsOrdered(IReadOnlySet<UseClass> curtailed) =>
        (!curtailed.Contains(UseClass.Essential) || curtailed.Contains(UseClass.Standard))
        && (!curtailed.Contains(UseClass.Standard) || curtailed.Contains(UseClass.Discretionary));

    /// <summary>The ordered set that curtails every class up to and including <paramref name="upTo"/>.</summary>
    public static ImmutableHashSet<UseClass> UpTo(UseClass upTo) =>
        [.. Enum.GetValues<UseClass>().Where(c => c <= upTo)];
}
