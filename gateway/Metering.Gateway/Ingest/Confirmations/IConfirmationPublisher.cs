namespace Commons.Metering.Gateway.Ingest.Confirmations;

/// <summary>Sends a confirmation (docs/protocol.md, "confirmation") through whichever broker the
/// gateway uses, at QoS 0 and not retained: a lost one costs the device a resend, which is
/// confirmed again, so nothing is queued or retried here.</summary>
internal interface IConfirmationPublisher
{
    /// <summary>False while no broker connection can take it (external broker down).</summary>
    bool CanPublish { get; }

    Task PublishConfirmationAsync(string meter, string topic, byte[] payload, CancellationToken cancellationToken);
}
