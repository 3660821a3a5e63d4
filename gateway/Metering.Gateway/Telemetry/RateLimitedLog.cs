using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Commons.Metering.Gateway.Telemetry;

/// <summary>Logs bad input without flooding: per key (a rejection reason or flag) at most one line per
/// window; the next line says how many were suppressed. The counters in /metrics see every one.</summary>
internal sealed class RateLimitedLog(ILogger logger, TimeProvider time, TimeSpan window)
{
    /// <summary>One line per reason per 10 s keeps a flood of one bad device to ~360 lines an hour.</summary>
    public static readonly TimeSpan DefaultWindow = TimeSpan.FromSeconds(10);

    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    /// <summary>Returns whether the line was written (false = suppressed and counted).</summary>
    public bool Log(LogLevel level, string key, string topic, string detail)
    {
        var now = time.GetTimestamp();
        var entry = _entries.GetOrAdd(key, _ => new Entry());
        long suppressed;
        lock (entry)
        {
            if (entry.LastTimestamp != 0 && time.GetElapsedTime(entry.LastTimestamp, now) < window)
            {
                entry.Suppressed++;
                return false;
            }
            suppressed = entry.Suppressed;
            entry.Suppressed = 0;
            entry.LastTimestamp = now;
        }
        logger.Log(level, "{Key} on {Topic}: {Detail} ({Suppressed} more suppressed since the last line about {Key2})",
            key, topic, detail, suppressed, key);
        return true;
    }

    private sealed class Entry
    {
        public long LastTimestamp;
        public long Suppressed;
    }
}
