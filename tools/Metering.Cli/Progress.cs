namespace Commons.Metering.Cli;

/// <summary>Progress lines on stdout for the long steps: "[2/4] ..." and a waiting bar.</summary>
internal static class Progress
{
    public static void Step(int step, int steps, string what) => Console.WriteLine($"[{step}/{steps}] {what}");

    /// <summary>A bar of 20 cells for elapsed/limit, e.g. "waiting [#####...............] 5/20 s".</summary>
    public static string Bar(string label, TimeSpan elapsed, TimeSpan limit)
    {
        const int cells = 20;
        var done = (int)Math.Clamp(elapsed / limit * cells, 0, cells);
        return $"{label} [{new string('#', done)}{new string('.', cells - done)}] {elapsed.TotalSeconds:0}/{limit.TotalSeconds:0} s";
    }
}
