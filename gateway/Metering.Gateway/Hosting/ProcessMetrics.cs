using System.Diagnostics.Metrics;

namespace Commons.Metering.Gateway.Hosting;

/// <summary>The gateway process on /metrics, read when /metrics is scraped: memory, for the soak
/// benchmark and operators, and the JIT's work (System.Runtime.JitInfo, all threads). The JIT is busy
/// for the first seconds to minutes after a start, while .NET compiles and re-compiles the hot paths
/// (tiered compilation), and flat once the gateway runs at its steady cost: this tells an operator why a
/// freshly started gateway is slower, and tells the e2e benchmark when it is warm.</summary>
internal sealed class ProcessMetrics
{
    public const string MeterName = "Metering.Process";

    public ProcessMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(MeterName);
        meter.CreateObservableGauge("metering_gc_heap_bytes", () => GC.GetGCMemoryInfo().HeapSizeBytes,
            description: "Managed heap size after the last garbage collection (GC.GetGCMemoryInfo).");
        meter.CreateObservableGauge("metering_process_working_set_bytes", () => Environment.WorkingSet,
            description: "Resident memory of the gateway process.");
        meter.CreateObservableCounter("metering_process_jit_seconds_total", () => System.Runtime.JitInfo.GetCompilationTime().TotalSeconds,
            description: "CPU time the .NET runtime spent compiling methods since the gateway started (JitInfo.GetCompilationTime).");
        meter.CreateObservableCounter("metering_process_jit_methods_total", () => System.Runtime.JitInfo.GetCompiledMethodCount(),
            description: "Methods the .NET runtime compiled since the gateway started, re-compilations included (JitInfo.GetCompiledMethodCount).");
    }
}
