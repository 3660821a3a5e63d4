using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Security.Claims;
using Commons.Metering.Gateway.Auth;
using Commons.Metering.Gateway.Policy;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Hosting;

namespace Commons.Metering.Gateway.Dashboard;

/// <summary>GET /api/v1/events: server-sent events for the pages. Each event is cut to what the
/// signed-in role may see: a member gets its own household's readings with their registers and only
/// "something changed" for everyone else's; council and administrators see that a reading came,
/// not whose; technicians see devices.</summary>
internal static class EventsEndpoint
{
    /// <summary>A comment-free keep-alive: proxies and phones drop idle connections after ~30-60 s.</summary>
    public static readonly TimeSpan Heartbeat = TimeSpan.FromSeconds(15);

    private static readonly HashSet<string> DeviceKinds = ["device", "trip", "reset", "command"];

    public static IEndpointRouteBuilder MapEventsEndpoint(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/events", (HttpContext http, LiveFeed feed, PolicyStore policy, IHostApplicationLifetime lifetime) =>
        {
            http.Response.Headers.CacheControl = "no-cache";
            // Tell reverse proxies (nginx) not to buffer the stream.
            http.Response.Headers["X-Accel-Buffering"] = "no";
            // Ends with the client or with the gateway: an open tab must not hold up Ctrl+C for the
            // host's shutdown timeout.
            var ends = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted, lifetime.ApplicationStopping);
            http.Response.RegisterForDispose(ends);
            return TypedResults.ServerSentEvents(Stream(http.User, feed, policy, ends.Token));
        }).RequireAuthorization(Access.SignedIn).WithTags("live")
          .WithSummary("Server-sent events: reading, device, stage, trip, reset, command, emergency, policy (cut to the caller's role).");
        return app;
    }

    private static async IAsyncEnumerable<SseItem<LiveEvent>> Stream(ClaimsPrincipal user, LiveFeed feed, PolicyStore policy,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        yield return new SseItem<LiveEvent>(new LiveEvent("hello", "connected", DateTimeOffset.UtcNow), "hello");
        // A client closing its tab is the normal end of a stream, not an error. The feed's enumerator must
        // not be disposed while a MoveNextAsync is pending (an async iterator throws NotSupportedException,
        // which ASP.NET Core logged as two fail-level stack traces per disconnect): on the way out the
        // pending read is cancelled and awaited first.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        await using var events = feed.Subscribe(stop.Token).GetAsyncEnumerator(stop.Token);
        var next = events.MoveNextAsync().AsTask();
        try
        {
            while (true)
            {
                var beat = Task.Delay(Heartbeat, stop.Token);
                var (timedOut, more) = await NextAsync(next, beat).ConfigureAwait(false);
                if (timedOut)
                {
                    yield return new SseItem<LiveEvent>(new LiveEvent("ping", "", DateTimeOffset.UtcNow), "ping");
                    continue;
                }
                if (!more) yield break;
                if (For(user, events.Current, policy) is { } visible) yield return new SseItem<LiveEvent>(visible, visible.Kind);
                next = events.MoveNextAsync().AsTask();
            }
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            try { await next.ConfigureAwait(false); }
            catch (OperationCanceledException) { }
        }
    }

    /// <summary>The next event or the heartbeat, whichever comes first; (false, false) once the client left.</summary>
    private static async Task<(bool TimedOut, bool More)> NextAsync(Task<bool> next, Task beat)
    {
        try
        {
            if (await Task.WhenAny(next, beat).ConfigureAwait(false) == beat) return (!beat.IsCanceled, false);
            return (false, await next.ConfigureAwait(false));
        }
        catch (OperationCanceledException)
        {
            return (false, false);
        }
    }

    /// <summary>The event as <paramref name="user"/> may see it, or null.</summary>
    internal static LiveEvent? For(ClaimsPrincipal user, LiveEvent e, PolicyStore policy)
    {
        var role = user.RoleOf();
        if (role is null) return null;
        var own = role == Role.Member && e.Meter is not null && OwnMeter(user, e.Meter, policy);
        var anonymous = e with { Meter = null, Channels = null, Summary = e.Kind };
        if (e.Kind == "reading") return role == Role.Technician || own ? e : anonymous;
        if (DeviceKinds.Contains(e.Kind)) return role != Role.Member || own ? e : anonymous;
        return e.Meter is null || role != Role.Member || own ? e : anonymous;
    }

    private static bool OwnMeter(ClaimsPrincipal user, string meter, PolicyStore policy) =>
        policy.HasPolicy && user.HouseholdOf() is { } h &&
        policy.Current.Households.Any(x => x.Id == h && x.Meters.Any(m => m.Id == meter));
}
