using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using Commons.Metering.Gateway.Domain;

namespace Commons.Metering.Gateway.Ingest;

/// <summary>Events, status and acks (docs/protocol.md, "event", "status", "ack").</summary>
internal static partial class PayloadDecoder
{
    /// <summary>docs/protocol.md, "event": the kinds a v1 device sends.</summary>
    public static readonly IReadOnlySet<string> EventKinds = new HashSet<string>(StringComparer.Ordinal)
    {
        "boot", "leak", "burst", "overcurrent", "tamper", "outbox_thinned", "storage_fault", "cmd_rejected",
    };

    /// <summary>docs/protocol.md, "ack": err values.</summary>
    public static readonly IReadOnlySet<string> AckErrors = new HashSet<string>(StringComparer.Ordinal)
    {
        "expired", "unknown_op", "bad_field", "unsupported_version",
    };

    public static bool TryDecodeEvent(ReadOnlySpan<byte> payload, [NotNullWhen(true)] out DeviceEvent? ev, out RejectReason reason)
    {
        ev = null;
        long? seq = null, ts = null;
        string? kind = null, ch = null, detail = null;
        bool kindSeen = false, chSeen = false, detailSeen = false;
        if (!ReadObject(payload, (ref Utf8JsonReader r, ref RejectReason? error) =>
            {
                if (r.ValueTextEquals("seq"u8)) { r.Read(); seq = JsonFields.Int(ref r, ref error, seq is not null); }
                else if (r.ValueTextEquals("ts"u8)) { r.Read(); ts = JsonFields.Int(ref r, ref error, ts is not null); }
                else if (r.ValueTextEquals("kind"u8)) { r.Read(); kind = JsonFields.String(ref r, ref error, kindSeen); kindSeen = true; }
                else if (r.ValueTextEquals("ch"u8)) { r.Read(); ch = JsonFields.String(ref r, ref error, chSeen); chSeen = true; }
                else if (r.ValueTextEquals("detail"u8)) { r.Read(); detail = JsonFields.String(ref r, ref error, detailSeen); detailSeen = true; }
                else return false;
                return true;
            }, out reason)) return false;
        if (seq is null or < 1 || ts is null || kind is null || !EventKinds.Contains(kind)
            || (chSeen && !JsonFields.IsChannelName(ch)))
        {
            reason = RejectReason.Malformed;
            return false;
        }
        ev = new DeviceEvent(seq.Value, ts.Value, kind, ch, detail);
        return true;
    }

    public static bool TryDecodeStatus(ReadOnlySpan<byte> payload, [NotNullWhen(true)] out DeviceStatus? status, out RejectReason reason)
    {
        status = null;
        long? boot = null, outbox = null, batt = null, ts = null, confirm = null;
        string? state = null, fw = null;
        bool stateSeen = false, fwSeen = false;
        if (!ReadObject(payload, (ref Utf8JsonReader r, ref RejectReason? error) =>
            {
                if (r.ValueTextEquals("state"u8)) { r.Read(); state = JsonFields.String(ref r, ref error, stateSeen); stateSeen = true; }
                else if (r.ValueTextEquals("fw"u8)) { r.Read(); fw = JsonFields.String(ref r, ref error, fwSeen); fwSeen = true; }
                else if (r.ValueTextEquals("boot"u8)) { r.Read(); boot = JsonFields.Int(ref r, ref error, boot is not null); }
                else if (r.ValueTextEquals("outbox"u8)) { r.Read(); outbox = JsonFields.Int(ref r, ref error, outbox is not null); }
                else if (r.ValueTextEquals("batt_mv"u8)) { r.Read(); batt = JsonFields.Int(ref r, ref error, batt is not null); }
                else if (r.ValueTextEquals("ts"u8)) { r.Read(); ts = JsonFields.Int(ref r, ref error, ts is not null); }
                else if (r.ValueTextEquals("confirm"u8)) { r.Read(); confirm = JsonFields.Int(ref r, ref error, confirm is not null); }
                else return false;
                return true;
            }, out reason)) return false;
        // "confirm":1 announces confirmations (docs/protocol.md, "status"); another count is kept as
        // sent and read as "not 1", so a later value does not cost the device its status.
        if (state is not ("online" or "offline") || boot < 0 || outbox < 0 || batt < 0 || confirm < 0)
        {
            reason = RejectReason.Malformed;
            return false;
        }
        status = new DeviceStatus(state, fw, boot, outbox, batt, ts, confirm);
        return true;
    }

    public static bool TryDecodeAck(ReadOnlySpan<byte> payload, [NotNullWhen(true)] out CommandAck? ack, out RejectReason reason)
    {
        ack = null;
        long? ts = null;
        string? cid = null, err = null;
        bool? ok = null;
        bool cidSeen = false, errSeen = false;
        if (!ReadObject(payload, (ref Utf8JsonReader r, ref RejectReason? error) =>
            {
                if (r.ValueTextEquals("cid"u8)) { r.Read(); cid = JsonFields.String(ref r, ref error, cidSeen); cidSeen = true; }
                else if (r.ValueTextEquals("ok"u8)) { r.Read(); ok = JsonFields.Bool(ref r, ref error, ok is not null); }
                else if (r.ValueTextEquals("err"u8)) { r.Read(); err = JsonFields.String(ref r, ref error, errSeen); errSeen = true; }
                else if (r.ValueTextEquals("ts"u8)) { r.Read(); ts = JsonFields.Int(ref r, ref error, ts is not null); }
                else return false;
                return true;
            }, out reason)) return false;
        if (!JsonFields.IsToken32(cid) || ok is null || ts is null || (errSeen && !AckErrors.Contains(err!)))
        {
            reason = RejectReason.Malformed;
            return false;
        }
        ack = new CommandAck(cid!, ok.Value, err, ts.Value);
        return true;
    }
}
