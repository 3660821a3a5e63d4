using System.Text;

namespace Commons.Metering.Testing;

/// <summary>A policy file with nested YAML aliases under <c>households</c> ("billion laughs"): level 0 is
/// one household, each further level a list of <paramref name="fanOut"/> aliases of the one before, so
/// the last level stands for fanOut^levels households in a few KB. Padded with a comment to
/// <paramref name="totalBytes"/> (the probe that took 18 s and 1.6 GB was 24 KB).</summary>
public static class AliasBomb
{
    public static string Policy(string validPolicy, int levels = 9, int fanOut = 12, int totalBytes = 24 * 1024)
    {
        var at = validPolicy.IndexOf("households:\n", StringComparison.Ordinal);
        if (at < 0) throw new ArgumentException("the policy has no 'households:' line", nameof(validPolicy));
        var sb = new StringBuilder(validPolicy[..at]).Append("households:\n");
        sb.Append("  - &l0 { id: hx, persons: 1, meters: [] }\n");
        for (var level = 1; level <= levels; level++)
            sb.Append("  - &l").Append(level).Append(" [").Append(string.Join(", ", Enumerable.Repeat("*l" + (level - 1), fanOut))).Append("]\n");
        sb.Append(validPolicy[(at + "households:\n".Length)..]);
        sb.Append("# ").Append('x', Math.Max(0, totalBytes - sb.Length - 3)).Append('\n');
        return sb.ToString();
    }
}
