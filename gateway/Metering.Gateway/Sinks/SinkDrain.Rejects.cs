using System.Text;
using Microsoft.Extensions.Logging;

namespace Commons.Metering.Gateway.Sinks;

/// <summary>Refused lines: when the database refuses a batch as malformed, its rows are read again
/// one by one and split in halves until each refused line stands alone; those go to
/// sink_dead_letter (nothing is silently dropped) and every other line is delivered. Lines the
/// database already took from a partial write are sent again, which overwrites them with themselves.</summary>
internal sealed partial class SinkDrain
{
    private async Task WriteIsolatingRejectsAsync(OutboxBatch batch, List<DeadLetter> dead, CancellationToken token)
    {
        try
        {
            await WriteCountingFailuresAsync(batch.Body, token).ConfigureAwait(false);
        }
        catch (SinkRejectedException e)
        {
            LogIsolating(_log, Name, batch.Count, e.Message);
            // The rows of this batch: the ones after the cursor, up to its last id.
            var rows = _outbox.ReadRange(Cursor, batch.LastId);
            if (rows.Count == 0) throw new InvalidOperationException($"outbox rows up to {batch.LastId} after cursor {Cursor} are gone");
            await SplitAsync(rows, 0, rows.Count, e, dead, token).ConfigureAwait(false);
        }
    }

    private async Task WriteRangeAsync(IReadOnlyList<OutboxRow> rows, int start, int count,
        List<DeadLetter> dead, CancellationToken token)
    {
        try
        {
            var body = Encoding.UTF8.GetBytes(string.Join('\n', rows.Skip(start).Take(count).Select(r => r.Line)));
            await WriteCountingFailuresAsync(body, token).ConfigureAwait(false);
        }
        catch (SinkRejectedException e)
        {
            await SplitAsync(rows, start, count, e, dead, token).ConfigureAwait(false);
        }
    }

    /// <summary>A refused range: a single line is a dead letter, more are written again in halves.</summary>
    private async Task SplitAsync(IReadOnlyList<OutboxRow> rows, int start, int count, SinkRejectedException refused,
        List<DeadLetter> dead, CancellationToken token)
    {
        if (count == 1)
        {
            var row = rows[start];
            dead.Add(new DeadLetter(row.Id, row.Line, refused.Message));
            LogDeadLetter(_log, Name, row.Id, row.Line, refused.Message);
            return;
        }
        var half = count / 2;
        await WriteRangeAsync(rows, start, half, dead, token).ConfigureAwait(false);
        await WriteRangeAsync(rows, start + half, count - half, dead, token).ConfigureAwait(false);
    }

    private async Task WriteCountingFailuresAsync(ReadOnlyMemory<byte> body, CancellationToken token)
    {
        try
        {
            await _writer.WriteAsync(body, token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not SinkRejectedException && (e is not OperationCanceledException || !token.IsCancellationRequested))
        {
            Interlocked.Increment(ref _failed);
            _lastError = e.Message;
            throw;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sink {Sink} refused a batch of {Count} lines ({Error}); isolating the refused lines")]
    private static partial void LogIsolating(ILogger log, string sink, int count, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "Sink {Sink} refused outbox row {OutboxId}, moved to sink_dead_letter: {Line} ({Error})")]
    private static partial void LogDeadLetter(ILogger log, string sink, long outboxId, string line, string error);
}
