using System.Globalization;
using System.Runtime.InteropServices;
using Commons.Metering.Testing;

namespace Commons.Metering.Bench;

/// <summary>What the load benchmarks (scaling, burst, soak) share: the gateway as a real process
/// (the Release build, embedded broker, meters registered on their first reading, no per-meter rate
/// limit: it would measure the limit, not the gateway), its memory from /proc, and the open-files
/// limit that 10,000 connections need on both ends of loopback.</summary>
internal static class BenchGateway
{
    public static GatewayProcess Start(string? influxUrl = null, string database = "metering")
    {
        var gateway = new GatewayProcess();
        gateway.Environment["Metering__Registry__AutoRegister"] = "true";
        gateway.Environment["Metering__Broker__RateLimitPerMeterPerSecond"] = "0";
        gateway.Environment["Logging__LogLevel__Default"] = "Warning";
        gateway.Environment["Metering__Influx__Kind"] = influxUrl is null ? "None" : "V1";
        if (influxUrl is not null)
        {
            gateway.Environment["Metering__Influx__Url"] = influxUrl;
            gateway.Environment["Metering__Influx__Database"] = database;
        }
        gateway.Start();
        return gateway;
    }

    /// <summary>A field of /proc/{pid}/status in bytes (VmRSS: resident now; VmHWM: peak resident).</summary>
    public static long ProcStatusBytes(int pid, string field)
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (!line.StartsWith(field + ":", StringComparison.Ordinal)) continue;
            var kb = line[(field.Length + 1)..].Trim().Split(' ')[0];
            return long.Parse(kb, CultureInfo.InvariantCulture) * 1024;
        }
        throw new InvalidOperationException($"/proc/{pid}/status has no {field}");
    }

    public static long Rss(GatewayProcess g) => ProcStatusBytes(g.Pid ?? throw new InvalidOperationException("gateway not running"), "VmRSS");

    public static long PeakRss(GatewayProcess g) => ProcStatusBytes(g.Pid ?? throw new InvalidOperationException("gateway not running"), "VmHWM");

    /// <summary>Resets VmHWM to the current RSS (proc(5), /proc/pid/clear_refs, value 5; Linux 4.0+,
    /// needs the same user or root). False when not allowed: the peak then includes the start.</summary>
    public static bool ResetPeakRss(GatewayProcess g)
    {
        try
        {
            File.WriteAllText($"/proc/{g.Pid}/clear_refs", "5");
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    public static string Mb(long bytes) => $"{bytes / 1048576.0:F0} MB";

    /// <summary>Raises this process's soft limit of open files (RLIMIT_NOFILE) to at least
    /// <paramref name="needed"/>, within the hard limit; the gateway started afterwards inherits it.
    /// Returns the soft limit in force, and says so when it stays too low.</summary>
    public static ulong EnsureOpenFiles(ulong needed, TextWriter log)
    {
        if (!OperatingSystem.IsLinux()) return needed;
        var limit = new RLimit();
        if (GetRLimit(NoFile, ref limit) != 0) return 0;
        if (limit.Cur < needed)
        {
            var raised = limit with { Cur = Math.Min(needed, limit.Max) };
            if (SetRLimit(NoFile, ref raised) == 0) limit = raised;
        }
        log.WriteLine($"open files: soft limit {limit.Cur}, hard {limit.Max}, needed ~{needed}" +
                      (limit.Cur < needed ? " — TOO LOW: raise it (ulimit -n, /etc/security/limits.conf) or use fewer devices" : ""));
        return limit.Cur;
    }

    /// <summary>Linux x86-64 and arm64: RLIMIT_NOFILE = 7 (asm-generic/resource.h).</summary>
    private const int NoFile = 7;

    [StructLayout(LayoutKind.Sequential)]
    private record struct RLimit(ulong Cur, ulong Max);

    [DllImport("libc", EntryPoint = "getrlimit", SetLastError = true)]
    private static extern int GetRLimit(int resource, ref RLimit limit);

    [DllImport("libc", EntryPoint = "setrlimit", SetLastError = true)]
    private static extern int SetRLimit(int resource, ref RLimit limit);
}
