using System.Diagnostics.Metrics;

namespace Commons.Metering.Gateway.Ingest.Confirmations;

/// <summary>What the end-to-end confirmations count, on /metrics (one instance per gateway, shared by the
/// pipeline that paces and the sender that sends).</summary>
internal sealed class ConfirmationMetrics
{
    public const string MeterName = "Metering.Ingest.Confirmations";

    private readonly Counter<long> _sent;
    private readonly Counter<long> _seqs;
    private readonly Counter<long> _paced;
    private readonly Counter<long> _unsent;

    public ConfirmationMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(MeterName);
        _sent = meter.CreateCounter<long>("metering_confirmations_sent_total",
            description: "Confirmations (down/confirm) handed to the broker, the empty ones sent on a status with confirm:1 included.");
        _seqs = meter.CreateCounter<long>("metering_confirmed_seqs_total",
            description: "Sequence numbers covered by the confirmations sent (committed, duplicates and refused for good).");
        _paced = meter.CreateCounter<long>("metering_confirmations_paced_total",
            description: "Uplinks of confirming meters over their rate: committed, their confirmation held back until the meter's rate allows it.");
        _unsent = meter.CreateCounter<long>("metering_confirmations_unsent_total",
            description: "Confirmations the broker did not take (no connection, a failed publish); the devices resend and are confirmed then.");
        foreach (var counter in new[] { _sent, _seqs, _paced, _unsent }) counter.Add(0);
    }

    public void CountSent(long seqs)
    {
        _sent.Add(1);
        _seqs.Add(seqs);
    }

    public void CountPaced() => _paced.Add(1);

    public void CountUnsent() => _unsent.Add(1);
}
