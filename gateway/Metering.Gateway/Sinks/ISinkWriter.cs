namespace Commons.Metering.Gateway.Sinks;

/// <summary>The seam toward one time-series database. A write either succeeds for every line,
/// throws <see cref="SinkRejectedException"/> when the database refuses some lines as malformed
/// (retrying the same lines cannot help), or throws anything else for a transient failure.</summary>
internal interface ISinkWriter
{
    /// <summary>Cursor key and metrics label.</summary>
    string Name { get; }

    /// <summary>Writes InfluxDB line-protocol lines with millisecond timestamps: UTF-8, one line per
    /// '\n', as read from the outbox (the request body as it goes on the wire).</summary>
    Task WriteAsync(ReadOnlyMemory<byte> lines, CancellationToken cancellationToken);
}

/// <summary>The database refused (some of) the lines themselves, e.g. HTTP 400 "partial write:
/// unable to parse" or a field type conflict. Not retried and not counted by the breaker.</summary>
internal sealed class SinkRejectedException : Exception
{
    public SinkRejectedException(int statusCode, string message) : base(message)
    {
        StatusCode = statusCode;
    }

    public int StatusCode { get; }

    /// <summary>HTTP statuses that mean "these lines", not "this database": 400 bad line protocol or
    /// type conflict (InfluxDB 1.x and 2.x), 413 body too large (a smaller batch fits), 422 points
    /// outside the retention policy (InfluxDB 2.x).</summary>
    public static bool IsLineStatus(int statusCode) => statusCode is 400 or 413 or 422;
}
