using Commons.Metering.Gateway.Auth;
using Commons.Metering.Gateway.Dashboard;
using Commons.Metering.Gateway.Ledger;
using Commons.Metering.Gateway.Policy;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Commons.Metering.Gateway.Http;

/// <summary>The dashboard's services (GatewayServices) and its accounts created at start; the
/// endpoints are mapped in <see cref="Endpoints"/>.</summary>
internal static class DashboardSetup
{
    public static IServiceCollection AddMeteringDashboard(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddMeteringAuth(configuration);
        services.AddSingleton<LiveFeed>();
        services.AddSingleton<ILedgerObserver>(sp => sp.GetRequiredService<LiveFeed>());
        services.AddSingleton<DashboardQueries>();
        services.AddSingleton<UsageSeries>();
        services.AddHostedService<RuntimeRelay>();
        services.AddOpenApi();
        return services;
    }

    /// <summary>Creates the configured administrator and, in demo mode, the demo accounts. Returns lines
    /// for the start-up message (where the dashboard is, demo sign-ins).</summary>
    public static string SeedAccounts(WebApplication app, string httpBase)
    {
        var options = app.Services.GetRequiredService<IOptions<AuthOptions>>().Value;
        var store = app.Services.GetRequiredService<AccountStore>();
        var demo = AccountSeeding.Run(options, store, app.Services.GetRequiredService<AccountAudit>(),
            app.Services.GetRequiredService<PolicyStore>(), app.Logger);
        var lines = $"  dashboard (sign in):        {httpBase}/dashboard/\n" +
                    $"  API description (OpenAPI):  {httpBase}{Endpoints.OpenApiPath}\n";
        if (demo.Count > 0)
            lines += "  demo sign-ins (role, name, password; new passwords at every start):\n" + string.Join("\n", demo) + "\n";
        else if (store.Count == 0)
            lines += "  no dashboard account yet: set Metering:Auth:Administrator and Metering:Auth:AdministratorPassword (Dashboard/README.md).\n";
        return lines;
    }
}
