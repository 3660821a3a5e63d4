namespace Commons.Metering.Gateway.Region;

/// <summary>What became of one report sent upward: the region's answer bytes (its ledger holds the
/// report), or why not. <see cref="Refused"/>: the region read it and said no (wrong token, other
/// periods); it needs a person, not a retry sooner.</summary>
public sealed record UpstreamSend(byte[]? Answer, string? Failure, bool Refused)
{
    public static UpstreamSend Answered(byte[] answer) => new(answer, null, false);

    public static UpstreamSend Unreachable(string why) => new(null, why, false);

    public static UpstreamSend RefusedBy(string why) => new(null, why, true);
}

/// <summary>The seam between the community's outbox and the region: one report out, its answer back
/// (HTTPS: the response; MQTT: the region's message on the community's answer topic). The transport
/// only carries; the reporter checks the answer names the report's seq before it forgets the report.</summary>
public interface IUpstreamTransport
{
    /// <summary>Where reports go, for the log (no secret).</summary>
    string Target { get; }

    Task<UpstreamSend> SendAsync(string community, long seq, byte[] report, CancellationToken cancellationToken);
}
