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
            if (rows.Count == 1)
            {
                DeadLetter(rows[0], e, dead);
                return;
            }
            var half = rows.Count / 2;
            await WriteRangeAsync(rows, 0, half, dead, token).ConfigureAwait(false);
            await WriteRangeAsync(rows, half, rows.Count - half, dead, token).ConfigureAwait(false);
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
            if (count == 1)
            {
                DeadLetter(rows[start], e, dead);
                return;
            }
            var half = count / 2;
            await WriteRangeAsync(rows, start, half, dead, token).ConfigureAwait(false);
            await WriteRangeAsync(rows, start + half, count - half, dead, token).ConfigureAwait(false);
        }
    }

    private void DeadLetter(OutboxRow row, SinkRejectedException e, List<DeadLetter> dead)
    {
        dead.Add(new DeadLetter(row.Id, row.Line, e.Message));
        LogDeadLetter(_log, Name, row.Id, row.Line, e.Message);
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
