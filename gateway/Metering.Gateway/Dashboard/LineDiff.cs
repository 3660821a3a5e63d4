namespace Commons.Metering.Gateway.Dashboard;

/// <summary>A line diff (longest common subsequence) of two policy files, for the council to see what
/// a proposal changes. Policy files are small; past <see cref="MaxCells"/> the table would be too big
/// and the diff says the whole file is replaced instead.</summary>
internal static class LineDiff
{
    /// <summary>Lines(before) x lines(after) cells of the LCS table: 4 M ints = 16 MB at most.</summary>
    public const int MaxCells = 4_000_000;

    /// <summary>One line: op is "=" (unchanged), "-" (only in the policy in force) or "+" (only in the proposal).</summary>
    public sealed record Line(string Op, string Text);

    public static IReadOnlyList<Line> Compute(string before, string after)
    {
        var a = Split(before);
        var b = Split(after);
        if ((long)a.Length * b.Length > MaxCells) return [.. a.Select(l => new Line("-", l)), .. b.Select(l => new Line("+", l))];
        // lcs[i, j]: length of the common subsequence of a[i..] and b[j..].
        var lcs = new int[a.Length + 1, b.Length + 1];
        for (var i = a.Length - 1; i >= 0; i--)
            for (var j = b.Length - 1; j >= 0; j--)
                lcs[i, j] = a[i] == b[j] ? lcs[i + 1, j + 1] + 1 : Math.Max(lcs[i + 1, j], lcs[i, j + 1]);
        var lines = new List<Line>(a.Length + b.Length);
        int x = 0, y = 0;
        while (x < a.Length && y < b.Length)
        {
            if (a[x] == b[y]) { lines.Add(new Line("=", a[x])); x++; y++; }
            else if (lcs[x + 1, y] >= lcs[x, y + 1]) lines.Add(new Line("-", a[x++]));
            else lines.Add(new Line("+", b[y++]));
        }
        while (x < a.Length) lines.Add(new Line("-", a[x++]));
        while (y < b.Length) lines.Add(new Line("+", b[y++]));
        return lines;
    }

    /// <summary>Changed lines with <paramref name="context"/> unchanged lines around them; a gap is one "…" line.</summary>
    public static IReadOnlyList<Line> Hunks(IReadOnlyList<Line> lines, int context = 2)
    {
        var keep = new bool[lines.Count];
        for (var i = 0; i < lines.Count; i++)
            if (lines[i].Op != "=")
                for (var k = Math.Max(0, i - context); k <= Math.Min(lines.Count - 1, i + context); k++) keep[k] = true;
        var result = new List<Line>();
        for (var i = 0; i < lines.Count; i++)
        {
            if (keep[i]) result.Add(lines[i]);
            else if (result.Count == 0 || result[^1].Op != "…") result.Add(new Line("…", ""));
        }
        if (result.All(l => l.Op == "…")) return [];
        if (result.Count > 0 && result[^1].Op == "…") result.RemoveAt(result.Count - 1);
        return result;
    }

    private static string[] Split(string text) => text.Replace("\r\n", "\n", StringComparison.Ordinal).TrimEnd('\n').Split('\n');
}
