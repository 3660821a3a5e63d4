using Microsoft.Extensions.Logging;

namespace Commons.Metering.Gateway.Sinks;

/// <summary>Refused lines: when the database refuses a batch as malformed, the batch is split in
/// halves until each refused line stands alone; those go to sink_dead_letter (nothing is silently
/// dropped) and every other line is delivered. Lines the database already took from a partial
/// write are sent again, which overwrites them with themselves.</summary>
internal sealed partial class SinkDrain
{
    private async Task WriteIsolatingRejectsAsync(IReadOnlyList<OutboxRow> batch, List<DeadLetter> dead,
        CancellationToken token)
    {
        var lines = new string[batch.Count];
        for (var i = 0; i < lines.Length; i++) lines[i] = batch[i].Line;
        await WriteRangeAsync(batch, lines, 0, lines.Length, dead, token).ConfigureAwait(false);
    }

    private async Task WriteRangeAsync(IReadOnlyList<OutboxRow> batch, string[] lines, int start, int count,
        List<DeadLetter> dead, CancellationToken token)
    {
        try
        {
            await _writer.WriteAsync(new ArraySegment<string>(lines, start, count), token).ConfigureAwait(false);
        }
        catch (SinkRejectedException e)
        {
            if (count == 1)
            {
                var row = batch[start];
                dead.Add(new DeadLetter(row.Id, row.Line, e.Message));
                LogDeadLetter(_log, Name, row.Id, row.Line, e.Message);
                return;
            }
            if (start == 0 && count == lines.Length) LogIsolating(_log, Name, count, e.Message);
            var half = count / 2;
            await WriteRangeAsync(batch, lines, start, half, dead, token).ConfigureAwait(false);
            await WriteRangeAsync(batch, lines, start + half, count - half, dead, token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException || !token.IsCancellationRequested)
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
