using System.Runtime.InteropServices;

namespace Commons.Metering.Bench;

/// <summary>The machine a benchmark ran on, printed with every result (results without their
/// machine mean nothing).</summary>
internal static class MachineInfo
{
    public static string Describe()
    {
        var cpu = "unknown cpu";
        try
        {
            var model = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal));
            if (model is not null) cpu = model[(model.IndexOf(':') + 1)..].Trim();
        }
        catch (IOException) { }
        var memGiB = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / (1024.0 * 1024 * 1024);
        return $"{cpu}, {Environment.ProcessorCount} cores, {memGiB:F0} GiB, {RuntimeInformation.OSDescription}, .NET {Environment.Version}";
    }
}
