using Commons.Metering.Gateway.Auth;
using Commons.Metering.Gateway.Cluster;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Commons.Metering.Gateway.Http;

/// <summary>GET /api/v1/cluster (Cluster/README.md): which instance answers, what it owns, and every
/// community's lease with its holder's advertised URL, so a client that needs what only an owner knows
/// (its broker sessions, its policy runtime) is told where to ask. 404 on a gateway that is not a
/// cluster instance. Anyone signed in: instance names and URLs are the operators' own addresses.</summary>
internal static class ClusterApi
{
    public static IEndpointRouteBuilder MapClusterApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/cluster", GetAsync).WithTags("cluster").RequireAuthorization(Access.SignedInOrSetup);
        return app;
    }

    private static async Task<IResult> GetAsync(HttpContext http, CancellationToken ct)
    {
        if (http.RequestServices.GetService(typeof(ClusterOptions)) is null)
            return Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "not a cluster instance",
                detail: "this gateway owns every community itself (Metering:Cluster:Communities is not set)");
        var s = await ClusterServices.StatusAsync(http.RequestServices, ct).ConfigureAwait(false);
        return Results.Json(new
        {
            instance = s.Instance,
            url = s.Url,
            owned = s.Owned,
            sessions = s.Sessions,
            leases = s.Leases.Select(l => new
            {
                community = l.Community,
                holder = l.Holder,
                holderUrl = l.HolderUrl,
                holderLive = l.HolderLive,
                epoch = l.Epoch,
                expiresAt = l.Holder is null ? null : l.ExpiresAt.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
            }),
        });
    }
}
