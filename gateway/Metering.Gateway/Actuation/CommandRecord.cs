
namespace Commons.Metering.Gateway.Actuation;

/// <summary>Where a command is in its life (PolicyRuntime/README.md, "Command lifecycle").</summary>
public enum CommandState
{
    /// <summary>Persisted, not yet handed to the broker (or handed, and the broker refused it).</summary>
    Pending,

    /// <summary>Handed to the broker at QoS 1; waiting for the device's ack.</summary>
    Sent,

    /// <summary>The device accepted it; a cut still waits for the readings to confirm it.</summary>
    Acked,

    /// <summary>The readings that followed show the effect (flow stopped). Final.</summary>
    Confirmed,

    /// <summary>The device refused it (ack ok=false). Final.</summary>
    Refused,

    /// <summary>Neither acked nor confirmed after every attempt: an alarm for a person. Final.</summary>
    Escalated,

    /// <summary>Its expiry passed before the device accepted it. Final.</summary>
    Expired,

    /// <summary>A newer command for the same (meter, channel, kind) replaced it. Final.</summary>
    Superseded,
}

/// <summary>One command to one device as the gateway tracks it: the wire command plus its lifecycle.
/// <paramref name="Key"/> is (meter, channel, kind): only the newest command per key matters.
/// <paramref name="Cut"/>: the command stops use (valve closed, relay open) and is confirmed by the
/// channel's register no longer rising.</summary>
public sealed record CommandRecord(
    Command Wire, string Meter, string Key, bool Cut, string Why, long CreatedMs, CommandState State, int Attempts,
    long NextAttemptMs, long? SentMs = null, long? AckedMs = null, string? AckError = null, long? ConfirmedMs = null,
    long? CauseTimestamp = null)
{
    public string Cid => Wire.Cid;

    /// <summary>Which of a device's due commands is sent first (PolicyRuntime/README.md, "Per-device window"): 0 the
    /// actuation (`reset`, `valve`, `relay`: safety cuts and the restoring of a channel), 1 the safety
    /// thresholds, 2 the rest of the policy push (`stage`, `allowance`, `ping`); the same class in the order issued.</summary>
    public int Priority => Wire.Op switch { "reset" or "valve" or "relay" => 0, "safety" => 1, _ => 2 };

    /// <summary>The order of issue: cids are `g` + a counter persisted in commons.db (CommandBook.Issue).</summary>
    public long Sequence => Cid.Length > 1 && long.TryParse(Cid.AsSpan(1), System.Globalization.NumberStyles.None,
        System.Globalization.CultureInfo.InvariantCulture, out var n) ? n : long.MaxValue;

    public bool IsFinal => State is CommandState.Confirmed or CommandState.Refused or CommandState.Escalated
        or CommandState.Expired or CommandState.Superseded || (State == CommandState.Acked && !Cut);

    /// <summary>What the command sets, for comparing with the desired state ("closed", "open", "2", ...).</summary>
    public string Value => Wire.Op switch
    {
        "valve" or "relay" => Wire.State ?? "",
        "stage" => $"{Wire.Stage}/{Wire.Curtail ?? "none"}",
        // Not `used`: it changes with every reading, and the device counts on from it by itself.
        "allowance" => $"{Wire.Limit}/{Wire.PeriodS}/{Wire.StartMs}/{Wire.UseClass}",
        "safety" => $"{Wire.LeakS}/{Wire.BurstPerMin}",
        _ => Wire.Op,
    };

    public string Detail => Wire.Op switch
    {
        "valve" or "relay" => $"{Wire.Channel} {Wire.State}",
        "stage" => Wire.Curtail is null ? $"stage {Wire.Stage}" : $"stage {Wire.Stage} (curtails {Wire.Curtail})",
        "allowance" => $"{Wire.Channel} limit {Wire.Limit} per {Wire.PeriodS} s ({Wire.UseClass}, used {Wire.Used})",
        "safety" => $"{Wire.Channel} leak {Wire.LeakS} s, burst {Wire.BurstPerMin}/min",
        _ => Wire.Channel is null ? Wire.Op : $"{Wire.Op} {Wire.Channel}",
    };
}
