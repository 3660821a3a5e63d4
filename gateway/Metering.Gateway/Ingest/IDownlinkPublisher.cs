namespace Commons.Metering.Gateway.Ingest;

/// <summary>Sends a downlink (docs/protocol.md, "command") to a device through whichever broker the
/// gateway uses. Completes when the broker took the message at QoS 1 (embedded: injected into the
/// server's queues; external: the broker's PUBACK); throws when it did not, so the caller keeps the
/// command and retries. That the device executed it is known only from its ack and its readings.</summary>
public interface IDownlinkPublisher
{
    /// <summary>False while no broker connection can take a downlink (external broker down).</summary>
    bool CanPublish { get; }

    Task PublishAsync(string topic, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken);
}
