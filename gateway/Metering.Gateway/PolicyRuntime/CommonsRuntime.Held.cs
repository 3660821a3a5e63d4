using Commons.Metering.Gateway.Domain;
using Commons.Metering.Gateway.Ingest;
using Commons.Metering.Gateway.Ledger;
using Commons.Metering.Gateway.Policy;

namespace Commons.Metering.Gateway.PolicyRuntime;

/// <summary>A technician's decision on a held reading (Ledger/HeldReadings.cs) in the policy: it is
/// written to the audit chain with who and why, and an accepted one reaches the policy as the ledger
/// counted it, exactly once.</summary>
public sealed partial class CommonsRuntime
{
    public void RecordHeldDecision(string technician, string kind, object payload)
    {
        Initialize();
        lock (_gate) _audit.Append(technician, AuditRoles.Technician, kind, payload);
    }

    /// <summary>The accepted reading, as if it had been counted when it came: from the baseline the
    /// runtime still holds (a held channel moved nothing), its rise feeds the household's use, the zone
    /// load and the community's use, and its register becomes the channel's last.</summary>
    private void OnHeldAccepted(HeldDecisionWrite w, HeldAcceptance a, long cause)
    {
        var channel = new ChannelRegister(a.Channel, w.MeterInfo.Resource, a.Register);
        OnReading(w.Meter, new Reading(w.Seq, a.TsMs, [channel], null), cause,
            new LedgerOutcome(LedgerStatus.Committed, []) { Rebased = new Dictionary<string, long>(StringComparer.Ordinal) { [a.Channel] = a.FromRegister } });
    }
}
