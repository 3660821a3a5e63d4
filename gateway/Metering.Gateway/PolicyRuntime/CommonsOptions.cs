using Microsoft.Extensions.Configuration;

namespace Commons.Metering.Gateway.PolicyRuntime;

/// <summary>Options of the policy runtime, section Metering:Commons (environment:
/// Metering__Commons__MaxAttempts=6). Every default is here, with its reason; PolicyRuntime/README.md lists them.</summary>
public sealed class CommonsOptions
{
    public const string Section = "Metering:Commons";

    /// <summary>Runtime state (commands, locked breakers, stage, emergency, proposals); empty =
    /// {Metering:Storage:DataDirectory}/commons.db, a separate file from the ledger's metering.db.</summary>
    public string StateFile { get; set; } = "";

    /// <summary>Hash-chained audit log; empty = {Metering:Storage:DataDirectory}/audit.log.</summary>
    public string AuditFile { get; set; } = "";

    /// <summary>A command the device has not accepted within 1 h is stale: the state it sets may be
    /// wrong by then, so the device refuses it (docs/protocol.md "exp") and the gateway decides anew.</summary>
    public int CommandExpirySeconds { get; set; } = 3600;

    /// <summary>First wait for an ack: 30 s, half the firmware's default reading interval (60 s,
    /// firmware/Metering.Firmware.Core/README.md) so a connected device has answered by then. Doubles per attempt.</summary>
    public int AckTimeoutSeconds { get; set; } = 30;

    /// <summary>Attempts (same cid) before escalation: 4 = 30+60+120+240 s, 7.5 min of trying.</summary>
    public int MaxAttempts { get; set; } = 4;

    /// <summary>After the ack, a cut must show in the readings within 5 min: five readings at the
    /// firmware's default 60 s interval, enough for two consecutive equal registers.</summary>
    public int ConfirmWindowSeconds { get; set; } = 300;

    /// <summary>Committed writes waiting for the runtime loop; beyond it a write is not evaluated
    /// (counted, logged) rather than slowing the ledger (ILedgerObserver must not block).</summary>
    public int QueueCapacity { get; set; } = 65_536;

    /// <summary>The loop wakes at least this often to run time-based work (retries, rotation slots,
    /// proposals falling due): 1 s, finer than any policy time (minutes).</summary>
    public int TickMs { get; set; } = 1000;

    /// <summary>What is wrong with these values, each naming its key; empty when valid.</summary>
    public IEnumerable<string> Errors()
    {
        if (CommandExpirySeconds < 1) yield return $"{Section}:CommandExpirySeconds must be at least 1 (is {CommandExpirySeconds})";
        if (AckTimeoutSeconds < 1) yield return $"{Section}:AckTimeoutSeconds must be at least 1 (is {AckTimeoutSeconds})";
        if (MaxAttempts < 1) yield return $"{Section}:MaxAttempts must be at least 1 (is {MaxAttempts})";
        if (ConfirmWindowSeconds < 1) yield return $"{Section}:ConfirmWindowSeconds must be at least 1 (is {ConfirmWindowSeconds})";
        if (QueueCapacity < 1) yield return $"{Section}:QueueCapacity must be at least 1 (is {QueueCapacity})";
        if (TickMs is < 10 or > 60_000) yield return $"{Section}:TickMs must be between 10 and 60000 (is {TickMs})";
    }

    public static CommonsOptions Bind(IConfiguration configuration) =>
        configuration.GetSection(Section).Get<CommonsOptions>() ?? new CommonsOptions();

    public string StatePath(string dataDirectory) =>
        string.IsNullOrWhiteSpace(StateFile) ? Path.Combine(dataDirectory, "commons.db") : StateFile;

    public string AuditPath(string dataDirectory) =>
        string.IsNullOrWhiteSpace(AuditFile) ? Path.Combine(dataDirectory, "audit.log") : AuditFile;
}
