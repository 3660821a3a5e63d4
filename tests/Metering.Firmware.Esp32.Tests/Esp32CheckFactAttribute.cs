namespace Commons.Metering.Esp32.Tests;

/// <summary>A test that needs the nanoFramework reference assemblies. In CI (CI=true) it always
/// runs, so a missing folder fails it; on a machine without the folder it is skipped with a
/// message that says where the application is really built.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class Esp32CheckFactAttribute : FactAttribute
{
    public Esp32CheckFactAttribute()
    {
        if (!NanoRefs.IsPresent && !NanoRefs.RunningInCi)
        {
            Skip = $"nanoFramework reference assemblies not found ({NanoRefs.DefaultFolder}); the ESP32 " +
                "application is built on a technician's machine (firmware/README.md, Build). CI runs this check.";
        }
    }
}
