using System.Reflection;

namespace Commons.Metering.Gateway.Hosting;

/// <summary>The version this build was stamped with: VERSION at the repository root, plus the git
/// commit the SDK adds ("0.4.0+3f2c1ab..."); Directory.Build.props and tools/publish.sh set it.
/// Printed at start and served on /healthz, so a technician can tell which build a board runs.</summary>
public static class GatewayVersion
{
    public static string Informational { get; } =
        typeof(GatewayVersion).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";
}
