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

/// <summary>The dashboard and API in two calls: services (GatewayServices) and the
/// pipeline (GatewayHost: sign-in middleware, endpoints, accounts created at start).</summary>
internal static class DashboardSetup
{
    public const string OpenApiPath = "/openapi/v1.json";

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

    /// <summary>Adds sign-in and the dashboard's endpoints; creates the configured administrator and,
    /// in demo mode, the demo accounts. Returns lines for the start-up message (demo sign-ins).</summary>
    public static string UseMeteringDashboard(this WebApplication app, string httpBase)
    {
        app.UseCrossSiteGuard();
        app.UseAuthentication();
        app.UsePasswordResetGate();
        app.UseAuthorization();
        app.MapOpenApi(OpenApiPath).AllowAnonymous();
        app.MapDashboardAssets();
        app.MapSessionApi();
        app.MapAccountsApi();
        app.MapCommonsApi();
        app.MapUsageSeriesApi();
        app.MapCsvExportApi();
        app.MapCsvImportApi();
        app.MapCommonsActsApi();
        app.MapHeldReadingsApi();
        app.MapEventsEndpoint();

        var options = app.Services.GetRequiredService<IOptions<AuthOptions>>().Value;
        var store = app.Services.GetRequiredService<AccountStore>();
        var demo = AccountSeeding.Run(options, store, app.Services.GetRequiredService<AccountAudit>(),
            app.Services.GetRequiredService<PolicyStore>(), app.Logger);
        var lines = $"  dashboard (sign in):        {httpBase}/dashboard/\n" +
                    $"  API description (OpenAPI):  {httpBase}{OpenApiPath}\n";
        if (demo.Count > 0)
            lines += "  demo sign-ins (role, name, password; new passwords at every start):\n" + string.Join("\n", demo) + "\n";
        else if (store.Count == 0)
            lines += "  no dashboard account yet: set Metering:Auth:Administrator and Metering:Auth:AdministratorPassword (Dashboard/README.md).\n";
        return lines;
    }
}
