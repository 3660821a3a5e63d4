using System.Buffers;
using System.Diagnostics.Metrics;
using Commons.Metering.Gateway.Domain;
using Commons.Metering.Gateway.Ingest.Confirmations;
using Commons.Metering.Gateway.Ledger;
using Commons.Metering.Gateway.Options;
using Commons.Metering.Gateway.Telemetry;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Commons.Metering.Gateway.Ingest;

public enum IngestStatus
{
    Committed,
    Duplicate,
    Rejected,
}

/// <summary>What became of one uplink. Every outcome is acknowledged to the broker: a rejected
/// payload will not get better by being sent again, and a duplicate was already committed. Only a
/// failed commit or a refusal (an exception from <see cref="IngestPipeline.HandleAsync"/>, for a
/// refusal <see cref="IngestRefusedException"/>) withholds the ack.</summary>
public readonly record struct IngestResult(IngestStatus Status, RejectReason? Reason = null, IReadOnlyList<ReadingFlag>? Flags = null);

/// <summary>topic -> decode and validate -> registry -> clock -> ledger (dedupe, usage, outbox) in one
/// transaction. Shared by the embedded broker's interceptor and the external broker's subscription.
/// For a meter that confirms (docs/protocol.md, "confirmation") it also tells the
/// <see cref="ConfirmationHub"/> which statuses announce it, which uplinks it refused for good and
/// which are paced (the committed ones the hub learns from the ledger's batches).</summary>
public sealed class IngestPipeline
{
    /// <summary>docs/protocol.md, "Rejection reasons": more than 1 day ahead of the gateway clock.</summary>
    public static readonly TimeSpan MaxClockAhead = TimeSpan.FromDays(1);

    /// <summary>docs/protocol.md, "Rejection reasons": more than 400 days behind the gateway clock.</summary>
    public static readonly TimeSpan MaxClockBehind = TimeSpan.FromDays(400);

    private readonly MeterRegistry _registry;
    private readonly LedgerWriter _ledger;
    private readonly IngestMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly bool _autoRegister;
    private readonly RateLimitedLog _log;
    private readonly MeterRateLimiter _limiter;
    private readonly ConfirmationHub? _confirmations;
    private readonly ConfirmationPacer _pacer;
    private readonly ConfirmationMetrics? _confirmationMetrics;

    /// <summary>Embedded broker: a refused uplink gets no PUBACK and its connection is closed. External
    /// broker: the gateway's own PUBACK only tells that broker it may forget the message, so a refused
    /// uplink of a confirming meter is acknowledged all the same (the device keeps it, unconfirmed).</summary>
    private readonly bool _refuseByClosing;

    public IngestPipeline(MeterRegistry registry, LedgerWriter ledger, IMeterFactory meters, TimeProvider time,
        IOptions<GatewayOptions> options, ILogger<IngestPipeline> logger)
        : this(registry, ledger, meters, time, options, logger, null, null)
    {
    }

    internal IngestPipeline(MeterRegistry registry, LedgerWriter ledger, IMeterFactory meters, TimeProvider time,
        IOptions<GatewayOptions> options, ILogger<IngestPipeline> logger, ConfirmationHub? confirmations, ConfirmationMetrics? confirmationMetrics)
    {
        _confirmations = confirmations;
        _confirmationMetrics = confirmationMetrics;
        _registry = registry;
        _ledger = ledger;
        _metrics = new IngestMetrics(meters);
        _time = time;
        _autoRegister = options.Value.Registry.AutoRegister;
        _log = new RateLimitedLog(logger, time, RateLimitedLog.DefaultWindow);
        var broker = options.Value.Broker;
        // External mode: the broker already sent the device its PUBACK, so refusing here would only
        // stall the gateway's own session; per-client limits belong to that broker (docs/protocol.md).
        _refuseByClosing = broker.Mode == BrokerMode.Embedded;
        _limiter = broker.Mode == BrokerMode.Embedded
            ? new MeterRateLimiter(broker.RateLimitPerMeterPerSecond, broker.RateLimitBurst, time)
            : new MeterRateLimiter(0, 0, time);
        // Confirming meters are paced in both modes: holding a confirmation back needs no PUBACK.
        _pacer = new ConfirmationPacer(new MeterRateLimiter(broker.RateLimitPerMeterPerSecond, broker.RateLimitBurst, time), time);
    }

    public Task<IngestResult> HandleAsync(string topic, ReadOnlySequence<byte> payload, CancellationToken cancellationToken) =>
        HandleAsync(topic, payload, cancellationToken, out _);

    /// <summary><paramref name="confirmed"/>: the uplink is a reading or event of a meter that confirms,
    /// so the device learns its fate from a confirmation, not from the PUBACK (the embedded broker
    /// then acknowledges it without waiting for the commit). Every payload byte is read before this
    /// returns: the caller may reuse the buffer at once.</summary>
    internal Task<IngestResult> HandleAsync(string topic, ReadOnlySequence<byte> payload, CancellationToken cancellationToken, out bool confirmed)
    {
        confirmed = false;
        // On an external broker the gateway's commons/v1/+/+/up/# also brings members' region reports: not ours.
        if (UplinkTopic.IsRegionReport(topic)) return Task.FromResult(new IngestResult(IngestStatus.Rejected, RejectReason.BadTopic));
        if (!UplinkTopic.TryParse(topic, out var t)) return Task.FromResult(Reject(RejectReason.BadTopic, topic, "not commons/v1/{community}/{meter}/up/{reading|event|status|ack} with valid ids"));
        var confirming = _confirmations?.Confirms(t.Meter) == true;
        // Only a device that waits for confirmations ("confirm":2) is acknowledged before the commit
        // and paced by its confirmations; one still learning (1) trusts its PUBACK, as an old one does.
        var waits = confirming && _confirmations!.WaitsForConfirmation(t.Meter);
        confirmed = waits && t.Kind is UplinkKind.Reading or UplinkKind.Event or UplinkKind.Gauge;
        // Before any decoding, so a flood costs the gateway as little as possible.
        if (waits ? !Paced(t, topic, out var refused) : !Limited(t, topic, out refused)) return refused!;
        var bytes = payload.IsSingleSegment ? payload.FirstSpan : payload.Length <= LenientSeq.MaxScanBytes ? payload.ToArray() : default;
        var result = payload.Length > PayloadDecoder.MaxPayloadBytes
            ? Task.FromResult(Reject(RejectReason.Oversized, topic, $"{payload.Length} bytes"))
            : t.Kind switch
            {
                UplinkKind.Reading => HandleReading(t, bytes, cancellationToken),
                UplinkKind.Event => HandleEvent(t, bytes, cancellationToken),
                UplinkKind.Status => HandleStatus(t, bytes, cancellationToken),
                UplinkKind.Gauge => HandleGauge(t, bytes, cancellationToken),
                _ => HandleAck(t, bytes, cancellationToken),
            };
        // Refused for good: the device may let it go, if it can be told which one it was.
        if (confirming && t.Kind is UplinkKind.Reading or UplinkKind.Event or UplinkKind.Gauge && result.IsCompletedSuccessfully
            && result.Result.Status == IngestStatus.Rejected && LenientSeq.TryRead(bytes, out var seq))
            _confirmations!.Refused(t.Meter, seq);
        return result;
    }

    /// <summary>A meter that does not confirm: over its rate (embedded broker only) it is refused,
    /// unacknowledged, and the device resends.</summary>
    private bool Limited(UplinkTopic t, string topic, out Task<IngestResult>? refused)
    {
        refused = null;
        if (_limiter.TryAcquire(t.Meter)) return true;
        Reject(RejectReason.RateLimited, topic, $"over {_limiter.PerSecond}/s (burst {_limiter.Burst}); not acknowledged, the device resends");
        refused = Task.FromException<IngestResult>(new IngestRefusedException(RejectReason.RateLimited, topic));
        return false;
    }

    /// <summary>A confirming meter over its rate is committed and its confirmation held back
    /// (<see cref="ConfirmationPacer"/>); only a flood is refused, not committed and not confirmed.</summary>
    private bool Paced(UplinkTopic t, string topic, out Task<IngestResult>? refused)
    {
        refused = null;
        switch (_pacer.Take(t.Meter, out var releaseAt))
        {
            case Pace.Now:
                return true;
            case Pace.Held:
                _confirmations!.Hold(t.Meter, releaseAt);
                _confirmationMetrics?.CountPaced();
                return true;
        }
        var limiter = _pacer.Limiter;
        if (_refuseByClosing)
        {
            Reject(RejectReason.RateLimited, topic, $"a flood: more than {limiter.Burst} over {limiter.PerSecond}/s while unconfirmed; not acknowledged, connection closed");
            refused = Task.FromException<IngestResult>(new IngestRefusedException(RejectReason.RateLimited, topic));
        }
        else
            refused = Task.FromResult(Reject(RejectReason.RateLimited, topic, $"a flood: more than {limiter.Burst} over {limiter.PerSecond}/s while unconfirmed; not committed, not confirmed"));
        return false;
    }

    private Task<IngestResult> HandleReading(UplinkTopic t, ReadOnlySpan<byte> payload, CancellationToken ct)
    {
        if (!PayloadDecoder.TryDecodeReading(payload, out var reading, out var reason)) return Rejected(reason, t, "payload");
        var register = false;
        if (!_registry.TryGet(t.Meter, out var meter))
        {
            if (!_autoRegister) return Rejected(RejectReason.UnknownMeter, t, "not in the registry (POST /api/v1/meters or Registry:AutoRegister)");
            var resource = reading.Channels[0].Resource;
            meter = new MeterInfo(t.Meter, t.Community, resource);
            register = true;
        }
        if (meter.Community != t.Community) return Rejected(RejectReason.UnknownMeter, t, $"registered in community '{meter.Community}'");
        foreach (var ch in reading.Channels)
        {
            if (ch.Resource != meter.Resource)
                return Rejected(RejectReason.BadUnit, t, $"channel '{ch.Name}' is in {ch.Resource.Unit()}, the meter measures {meter.Resource.Name()} in {meter.Resource.Unit()}");
        }
        if (!ClockOk(reading.TsMs, t, out var clockResult)) return Task.FromResult(clockResult);
        return Commit(new ReadingWrite(meter, reading, NowMs(), register), t, ct);
    }

    private Task<IngestResult> HandleEvent(UplinkTopic t, ReadOnlySpan<byte> payload, CancellationToken ct)
    {
        if (!PayloadDecoder.TryDecodeEvent(payload, out var ev, out var reason)) return Rejected(reason, t, "payload");
        if (!Known(t, out var meter, out var rejected)) return Task.FromResult(rejected);
        if (!ClockOk(ev.TsMs, t, out var clockResult)) return Task.FromResult(clockResult);
        return Commit(new EventWrite(meter, ev, NowMs()), t, ct);
    }

    private Task<IngestResult> HandleStatus(UplinkTopic t, ReadOnlySpan<byte> payload, CancellationToken ct)
    {
        if (!PayloadDecoder.TryDecodeStatus(payload, out var status, out var reason)) return Rejected(reason, t, "payload");
        // Before the registry check: an unknown meter's refused readings are confirmed too.
        _confirmations?.StatusSeen(t.Community, t.Meter, status);
        if (!Known(t, out var meter, out var rejected)) return Task.FromResult(rejected);
        return Commit(new StatusWrite(meter, status, NowMs()), t, ct);
    }

    private Task<IngestResult> HandleGauge(UplinkTopic t, ReadOnlySpan<byte> payload, CancellationToken ct)
    {
        if (!PayloadDecoder.TryDecodeGauge(payload, out var gauge, out var reason)) return Rejected(reason, t, "payload");
        if (!Known(t, out var meter, out var rejected)) return Task.FromResult(rejected);
        if (!ClockOk(gauge.TsMs, t, out var clockResult)) return Task.FromResult(clockResult);
        return Commit(new GaugeWrite(meter, gauge, NowMs()), t, ct);
    }

    private Task<IngestResult> HandleAck(UplinkTopic t, ReadOnlySpan<byte> payload, CancellationToken ct)
    {
        if (!PayloadDecoder.TryDecodeAck(payload, out var ack, out var reason)) return Rejected(reason, t, "payload");
        if (!Known(t, out var meter, out var rejected)) return Task.FromResult(rejected);
        return Commit(new AckWrite(meter, ack, NowMs()), t, ct);
    }

    private async Task<IngestResult> Commit(LedgerWrite write, UplinkTopic t, CancellationToken ct)
    {
        var outcome = await _ledger.SubmitAsync(write, ct).ConfigureAwait(false);
        if (outcome.Status == LedgerStatus.Duplicate)
        {
            _metrics.CountRejected(RejectReason.Duplicate);
            _log.Log(LogLevel.Information, RejectReason.Duplicate.Name(), t.ToString(), "already committed, acknowledged again");
            return new IngestResult(IngestStatus.Duplicate, RejectReason.Duplicate);
        }
        _metrics.CountCommitted(t.Kind, write is ReadingWrite);
        foreach (var flag in outcome.Flags)
        {
            _metrics.CountFlag(flag);
            _log.Log(LogLevel.Information, flag.Name(), t.ToString(), write switch
            {
                ReadingWrite r => $"seq {r.Reading.Seq}",
                GaugeWrite g => $"seq {g.Gauge.Seq}",
                _ => write.GetType().Name,
            });
        }
        return new IngestResult(IngestStatus.Committed, null, outcome.Flags);
    }

    private bool Known(UplinkTopic t, out MeterInfo meter, out IngestResult rejected)
    {
        rejected = default;
        if (_registry.TryGet(t.Meter, out meter) && meter.Community == t.Community) return true;
        rejected = Reject(RejectReason.UnknownMeter, t.ToString(), "not in the registry");
        return false;
    }

    private bool ClockOk(long tsMs, UplinkTopic t, out IngestResult rejected)
    {
        rejected = default;
        var now = _time.GetUtcNow();
        if (tsMs > (now + MaxClockAhead).ToUnixTimeMilliseconds())
            rejected = Reject(RejectReason.ClockFuture, t.ToString(), $"ts {tsMs} is more than 1 day ahead of {now:O}");
        else if (tsMs < (now - MaxClockBehind).ToUnixTimeMilliseconds())
            rejected = Reject(RejectReason.ClockPast, t.ToString(), $"ts {tsMs} is more than 400 days behind {now:O}");
        else
            return true;
        return false;
    }

    private long NowMs() => _time.GetUtcNow().ToUnixTimeMilliseconds();

    private Task<IngestResult> Rejected(RejectReason reason, UplinkTopic t, string detail) =>
        Task.FromResult(Reject(reason, t.ToString(), detail));

    private IngestResult Reject(RejectReason reason, string topic, string detail)
    {
        _metrics.CountRejected(reason);
        _log.Log(LogLevel.Warning, reason.Name(), topic, detail);
        return new IngestResult(IngestStatus.Rejected, reason);
    }
}
