using Commons.Metering.Gateway.Actuation;

namespace Commons.Metering.Gateway.PolicyRuntime;

/// <summary>The per-device window of the command book (PolicyRuntime/README.md, "Per-device window"): how many
/// commands each device holds unanswered, and the slots superseded commands keep.</summary>
internal sealed partial class CommandBook
{
    // Commands each device was sent and has not answered yet (state Sent), by meter: its window.
    private readonly Dictionary<string, int> _outstanding = new(StringComparer.Ordinal);
    // Sent commands superseded before the device answered: their copy may still be in the device's inbox or on
    // its way, so each keeps its slot until the device answers that cid or its resend time passes (by cid).
    private readonly Dictionary<string, (string Meter, long UntilMs)> _superseded = new(StringComparer.Ordinal);

    /// <summary>Downlinks a device buffers between two ticks and drops beyond (firmware Limits.InboxMessages;
    /// docs/protocol.md "Per-device window").</summary>
    public const int DeviceInbox = 4;

    /// <summary>Commands a device may have outstanding (sent, not answered): one below <see cref="DeviceInbox"/>,
    /// so the last slot stays free for an actuation (<see cref="CommandRecord.Priority"/> 0), which may use it.</summary>
    public const int DeviceWindow = DeviceInbox - 1;

    /// <summary>Commands <paramref name="meter"/> was sent and has not acknowledged, refused or outlived yet.</summary>
    public int Outstanding(string meter) => _outstanding.GetValueOrDefault(meter);

    private static int Window(CommandRecord r) => r.Priority == 0 ? DeviceInbox : DeviceWindow;

    /// <summary>Keeps <see cref="_outstanding"/>: a command enters its device's window when handed to the broker
    /// (Sent) and leaves it when answered, expired or escalated; then the next one may be due. A superseded one
    /// leaves it only when the device answers its cid or its resend time passes (<see cref="_superseded"/>):
    /// superseding it does not take its copy back from the device's inbox.</summary>
    private void Track(CommandRecord? before, CommandRecord after)
    {
        var was = before is { State: CommandState.Sent };
        var now = after.State == CommandState.Sent;
        if (was == now) return;
        if (now)
        {
            _outstanding[after.Meter] = Outstanding(after.Meter) + 1;
            return;
        }
        if (after.State == CommandState.Superseded)
        {
            _superseded[after.Cid] = (after.Meter, before!.NextAttemptMs);
            _dueAt = Math.Min(_dueAt, before.NextAttemptMs);
            return;
        }
        Free(after.Meter);
    }

    private void Free(string meter)
    {
        var n = Outstanding(meter) - 1;
        if (n > 0) _outstanding[meter] = n;
        else _outstanding.Remove(meter);
        _dueAt = long.MinValue;
    }
}
