using System.Text;
using InfluxDB.Client;
using InfluxDB.Client.Api.Domain;
using InfluxDB.Client.Core.Exceptions;

namespace Commons.Metering.Gateway.Sinks;

/// <summary>InfluxDB 2.x/3.x (and servers speaking its v2 write API, such as VictoriaMetrics)
/// through InfluxDB.Client's WriteApiAsync: one request per call, no client-side batching or retry
/// (the drain service does both).</summary>
internal sealed class InfluxV2Writer : ISinkWriter, IDisposable
{
    private readonly InfluxDBClient _client;
    private readonly WriteApiAsync _writeApi;
    private readonly string _bucket;
    private readonly string _org;

    public InfluxV2Writer(InfluxOptions options)
    {
        _bucket = options.Bucket!;
        _org = options.Org!;
        _client = new InfluxDBClient(new InfluxDBClientOptions(options.Url!)
        {
            Token = options.Token,
            Org = _org,
            Bucket = _bucket,
            Timeout = TimeSpan.FromMilliseconds(options.RequestTimeoutMs),
        });
        _writeApi = _client.GetWriteApiAsync();
    }

    public string Name => SinkConstants.InfluxSinkName;

    public async Task WriteAsync(ReadOnlyMemory<byte> lines, CancellationToken cancellationToken)
    {
        try
        {
            // The client takes records as strings and joins them with '\n' itself: the whole body is one.
            await _writeApi.WriteRecordAsync(Encoding.UTF8.GetString(lines.Span), WritePrecision.Ms, _bucket, _org, cancellationToken)
                .ConfigureAwait(false);
        }
        catch (InfluxException e) when (SinkRejectedException.IsLineStatus(e.Status))
        {
            throw new SinkRejectedException(e.Status, $"InfluxDB v2 write answered {e.Status}: {e.Message}");
        }
    }

    public void Dispose() => _client.Dispose();
}
