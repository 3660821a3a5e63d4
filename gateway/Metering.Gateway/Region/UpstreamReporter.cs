using Commons.Metering.Gateway.PolicyRuntime;
using Commons.Metering.Gateway.Domain;
using Commons.Metering.Gateway.Policy;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Commons.Metering.Gateway.Region;

/// <summary>The community's end of the upward link. Every <c>ReportIntervalSeconds</c> a snapshot
/// (UpstreamSnapshot) goes into the outbox on disk; the outbox is sent oldest first, one report per
/// request, and a report leaves it only when the region's answer (sent after the region's commit)
/// names its seq. A failed send is retried, backing off, for as long as it takes: reports queue while
/// the link is down and catch up in order after. Each answer's caps are kept on disk and handed to
/// the policy runtime, which applies the stricter of its own and the delegated cap. The transport
/// (HTTPS or MQTT, Upstream:Transport) only carries a report and its answer.</summary>
public sealed class UpstreamReporter(
    UpstreamOptions options, UpstreamOutbox outbox, PolicyStore policy, ICommonsRuntime runtime, IDelegatedCapTarget target,
    IUpstreamTransport transport, TimeProvider time, ILogger<UpstreamReporter> logger, ILatestGauges? gauges = null) : BackgroundService
{
    /// <summary>Over HTTP(S) with this client.</summary>
    public UpstreamReporter(UpstreamOptions options, UpstreamOutbox outbox, PolicyStore policy, ICommonsRuntime runtime, IDelegatedCapTarget target,
        HttpClient http, TimeProvider time, ILogger<UpstreamReporter> logger, ILatestGauges? gauges = null)
        : this(options, outbox, policy, runtime, target, new HttpUpstreamTransport(options, http), time, logger, gauges)
    {
    }

    private IReadOnlyDictionary<Resource, EffectiveCap>? _applied;

    /// <summary>Reports still waiting for the region.</summary>
    public int Pending => outbox.Depth;

    /// <summary>Queues one snapshot of the community's use now.</summary>
    public long Snapshot()
    {
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var seq = outbox.NextSeq(now);
        outbox.Enqueue(seq, RegionWire.Encode(UpstreamSnapshot.Build(policy.Current, runtime.Overview(), seq, now, options.Gauges, gauges)));
        return seq;
    }

    /// <summary>Sends the outbox oldest first until it is empty or a send fails; returns whether it emptied.</summary>
    public async Task<bool> DrainAsync(CancellationToken cancellationToken)
    {
        while (outbox.Oldest() is { } next)
        {
            var sent = await transport.SendAsync(policy.Current.Community, next.Seq, next.Body, cancellationToken).ConfigureAwait(false);
            if (sent.Answer is not { } body)
            {
                if (sent.Refused)
                    // Kept, never dropped: a refusal (wrong token, different periods) needs a person to fix the
                    // configuration, and the report is still true once they have.
                    logger.LogError("Region refused report {Seq} ({Reason}); it stays queued ({Pending} wait)", next.Seq, sent.Failure, outbox.Depth);
                else
                    logger.LogWarning("Region unreachable at {Target}: {Reason}; {Pending} reports wait", transport.Target, sent.Failure, outbox.Depth);
                return false;
            }
            if (!RegionWire.TryDecodeAnswer(body, out var answer, out var error) || answer!.Seq != next.Seq || answer.Community != policy.Current.Community)
            {
                logger.LogError("Region answered report {Seq} with something else ({Error}); it stays queued", next.Seq, error.Length > 0 ? error : "another seq or community");
                return false;
            }
            outbox.Confirm(next.Seq, answer.Caps);
        }
        ApplyCaps();
        return true;
    }

    /// <summary>Hands the runtime the caps in force now, when they changed (a new answer, or a validity that ended).</summary>
    public void ApplyCaps()
    {
        var effective = DelegatedCaps.Effective(outbox.Caps(), time.GetUtcNow().ToUnixTimeMilliseconds());
        if (_applied is not null && _applied.Count == effective.Count && effective.All(e => _applied.TryGetValue(e.Key, out var a) && a == e.Value)) return;
        target.ApplyDelegatedCaps(effective);
        _applied = effective;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = TimeSpan.FromSeconds(options.ReportIntervalSeconds);
        var retry = TimeSpan.FromSeconds(options.RetryMinSeconds);
        var nextSnapshot = time.GetUtcNow();
        // The caps kept from before a restart hold at once, before the first answer.
        ApplyCaps();
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (time.GetUtcNow() >= nextSnapshot)
                {
                    Snapshot();
                    nextSnapshot = time.GetUtcNow() + interval;
                }
                var emptied = await DrainAsync(stoppingToken).ConfigureAwait(false);
                ApplyCaps();
                var wait = emptied ? nextSnapshot - time.GetUtcNow() : retry;
                retry = emptied ? TimeSpan.FromSeconds(options.RetryMinSeconds) : TimeSpan.FromSeconds(Math.Min(retry.TotalSeconds * 2, options.RetryMaxSeconds));
                await Task.Delay(wait > TimeSpan.Zero ? wait : TimeSpan.Zero, time, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested) { break; }
            catch (Exception e)
            {
                logger.LogError(e, "Upstream report loop failed; retrying in {Seconds} s", options.RetryMinSeconds);
                await Task.Delay(TimeSpan.FromSeconds(options.RetryMinSeconds), time, stoppingToken).ConfigureAwait(false);
            }
        }
    }
}
