using Commons.Metering.Gateway.Telemetry;
using Prometheus;

namespace Commons.Metering.Gateway.Ingest.Confirmations;

/// <summary>Confirmation counters, exported with the gateway's other metrics on /metrics (same registry).</summary>
internal sealed class ConfirmationMetrics
{
    public ConfirmationMetrics(GatewayMetrics metrics)
    {
        var f = Metrics.WithCustomRegistry(metrics.Registry);
        Sent = f.CreateCounter("metering_confirmations_sent_total",
            "Confirmations (down/confirm) handed to the broker, the empty ones sent on a status with confirm:1 included.");
        Seqs = f.CreateCounter("metering_confirmed_seqs_total",
            "Sequence numbers covered by the confirmations sent (committed, duplicates and refused for good).");
        Paced = f.CreateCounter("metering_confirmations_paced_total",
            "Uplinks of confirming meters over their rate: committed, their confirmation held back until the meter's rate allows it.");
        Unsent = f.CreateCounter("metering_confirmations_unsent_total",
            "Confirmations the broker did not take (no connection, a failed publish); the devices resend and are confirmed then.");
    }

    public Counter Sent { get; }
    public Counter Seqs { get; }
    public Counter Paced { get; }
    public Counter Unsent { get; }
}
