using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Commons.Metering.Gateway.Policy;

/// <summary>The seam every policy component writes its audit records through.</summary>
public interface IAuditSink
{
    AuditRecord Append(string actor, string role, string kind, object payload);
}

/// <summary>Roles as docs/design.md rule 5 names them: no single role holds several powers.</summary>
public static class AuditRoles
{
    public const string System = "system", Council = "council", Technician = "technician", Member = "member", Administrator = "administrator";
}

/// <summary>One line of the audit log. <see cref="Hash"/> = SHA-256 over the other fields including
/// <see cref="PrevHash"/>, so changing, dropping or reordering any record breaks every link after it.</summary>
public sealed record AuditRecord(long Seq, string Time, string Actor, string Role, string Kind, string PayloadJson, string PrevHash, string Hash)
{
    /// <summary>The previous hash of the first record.</summary>
    public const string Genesis = "0000000000000000000000000000000000000000000000000000000000000000";

    public static string ComputeHash(long seq, string time, string actor, string role, string kind, string payloadJson, string prevHash)
    {
        // Length-prefixed fields: no two different records share the hashed bytes.
        var sb = new StringBuilder();
        foreach (var f in new[] { seq.ToString(System.Globalization.CultureInfo.InvariantCulture), time, actor, role, kind, payloadJson, prevHash })
            sb.Append(f.Length).Append(':').Append(f).Append('\n');
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(sb.ToString())));
    }

    public string ToJsonLine()
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms))
        {
            w.WriteStartObject();
            w.WriteNumber("seq", Seq);
            w.WriteString("time", Time);
            w.WriteString("actor", Actor);
            w.WriteString("role", Role);
            w.WriteString("kind", Kind);
            w.WritePropertyName("payload");
            w.WriteRawValue(PayloadJson);
            w.WriteString("prev", PrevHash);
            w.WriteString("hash", Hash);
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(ms.ToArray());
    }

    public static bool TryParse(string line, out AuditRecord? record)
    {
        record = null;
        try
        {
            using var doc = JsonDocument.Parse(line);
            var r = doc.RootElement;
            record = new AuditRecord(r.GetProperty("seq").GetInt64(), r.GetProperty("time").GetString()!, r.GetProperty("actor").GetString()!,
                r.GetProperty("role").GetString()!, r.GetProperty("kind").GetString()!, r.GetProperty("payload").GetRawText(),
                r.GetProperty("prev").GetString()!, r.GetProperty("hash").GetString()!);
            return true;
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            return false;
        }
    }
}

/// <summary>Hash-chained, append-only audit log in a JSON-lines file: one record per line, each synced
/// to disk before Append returns. Reopening continues the chain from the last line.</summary>
public sealed class AuditLog : IAuditSink
{
    private readonly string _path;
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    // Readable payloads ("+03:00", not "\u002B03:00"); the log is not embedded in HTML.
    private static readonly JsonSerializerOptions PayloadJson = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    private long _seq;
    private string _lastHash = AuditRecord.Genesis;

    public AuditLog(string path, TimeProvider time)
    {
        _path = path;
        _time = time;
        if (!File.Exists(path)) return;
        TornTailPath = RepairTornTail(path, time);
        var last = File.ReadLines(path).LastOrDefault(l => l.Length > 0);
        if (last is null) return;
        if (!AuditRecord.TryParse(last, out var r))
            throw new InvalidDataException($"{path}: the last line is not an audit record; run verify before appending");
        (_seq, _lastHash) = (r!.Seq, r.Hash);
    }

    /// <summary>Where a torn last record was moved at open (a power cut during an append), or null.</summary>
    public string? TornTailPath { get; }

    /// <summary>Every record is written as one line ending in a newline and flushed, so only a crash
    /// during an append leaves a last line without its newline. A complete record there gets its
    /// newline; a partial one is cut off and kept beside the log (never silently dropped) so the
    /// chain stays verifiable. A complete line that is not a record is not a crash: the constructor
    /// refuses it (run verify).</summary>
    private static string? RepairTornTail(string path, TimeProvider time)
    {
        var bytes = File.ReadAllBytes(path);
        if (bytes.Length == 0 || bytes[^1] == (byte)'\n') return null;
        var start = Array.LastIndexOf(bytes, (byte)'\n') + 1;
        var tail = bytes.AsSpan(start);
        if (AuditRecord.TryParse(Encoding.UTF8.GetString(tail), out _))
        {
            File.AppendAllText(path, "\n");
            return null;
        }
        var torn = $"{path}.torn-{time.GetUtcNow():yyyyMMddTHHmmssZ}";
        File.WriteAllBytes(torn, tail.ToArray());
        using (var fs = new FileStream(path, FileMode.Open, FileAccess.Write))
        {
            fs.SetLength(start);
            fs.Flush(flushToDisk: true);
        }
        return torn;
    }

    public string Path => _path;

    public AuditRecord Append(string actor, string role, string kind, object payload)
    {
        var json = JsonSerializer.Serialize(payload, PayloadJson);
        lock (_gate)
        {
            var seq = _seq + 1;
            var time = _time.GetUtcNow().ToString("O", System.Globalization.CultureInfo.InvariantCulture);
            var record = new AuditRecord(seq, time, actor, role, kind, json, _lastHash,
                AuditRecord.ComputeHash(seq, time, actor, role, kind, json, _lastHash));
            using (var fs = new FileStream(_path, FileMode.Append, FileAccess.Write, FileShare.Read))
            {
                fs.Write(Encoding.UTF8.GetBytes(record.ToJsonLine() + "\n"));
                fs.Flush(flushToDisk: true);
            }
            (_seq, _lastHash) = (seq, record.Hash);
            return record;
        }
    }

    public static AuditVerification Verify(string path)
    {
        var prev = AuditRecord.Genesis;
        long line = 0;
        foreach (var text in File.ReadLines(path))
        {
            line++;
            if (!AuditRecord.TryParse(text, out var r))
                return AuditVerification.Broken(line, line, "not a readable audit record (edited or torn line)");
            if (r!.Seq != line)
                return AuditVerification.Broken(line, r.Seq, $"seq {r.Seq} where {line} was expected (a record dropped, added or reordered)");
            if (r.PrevHash != prev)
                return AuditVerification.Broken(line, r.Seq, "prev does not match the hash of the record before it");
            if (AuditRecord.ComputeHash(r.Seq, r.Time, r.Actor, r.Role, r.Kind, r.PayloadJson, r.PrevHash) != r.Hash)
                return AuditVerification.Broken(line, r.Seq, "hash does not match the record's contents (edited)");
            prev = r.Hash;
        }
        return new AuditVerification(true, line, null, null, null);
    }
}

/// <summary>Result of <see cref="AuditLog.Verify"/>: Ok, or the first broken link (1-based line).</summary>
public sealed record AuditVerification(bool Ok, long Records, long? FirstBrokenLine, long? FirstBrokenSeq, string? Problem)
{
    internal static AuditVerification Broken(long line, long seq, string problem) => new(false, line - 1, line, seq, problem);

    public override string ToString() => Ok ? $"ok: {Records} records" : $"broken at line {FirstBrokenLine} (seq {FirstBrokenSeq}): {Problem}";
}
