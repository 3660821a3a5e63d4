using System.Globalization;
using Commons.Metering.Gateway.Policy;

namespace Commons.Metering.Gateway.PolicyRuntime;

/// <summary>The audit chain's head kept in the runtime's state store (key `audit_head`: seq|hash of the newest
/// record), written after every append. The hash chain shows an edited or reordered record but not a log cut
/// short or replaced by an older copy: a file that verifies yet no longer holds the anchored record does. The
/// anchor lives in the state store, so with Storage:Provider=Postgres it sits on the database server, away
/// from the gateway's disk. The file is written (and synced) before its anchor, so after a crash the file may
/// be ahead of the anchor, never behind it.</summary>
internal static class AuditAnchor
{
    public const string Key = "audit_head";

    public static void Save(ICommonsStore store, AuditRecord record) =>
        store.Set(Key, record.Seq.ToString(CultureInfo.InvariantCulture) + "|" + record.Hash);

    /// <summary><paramref name="verified"/> (the file's own verification) unless the file lacks the anchored
    /// record: then broken, naming the seq the database knows of.</summary>
    public static AuditVerification Check(ICommonsStore store, string path, AuditVerification verified)
    {
        if (!verified.Ok || store.Get(Key) is not { } anchor) return verified;
        var parts = anchor.Split('|', 2);
        if (parts.Length != 2 || !long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var seq))
            return new AuditVerification(false, verified.Records, null, null, $"the anchor '{anchor}' in the state store is not seq|hash");
        if (seq > verified.Records)
            return new AuditVerification(false, verified.Records, verified.Records + 1, seq,
                $"the log ends at seq {verified.Records} but the state store anchors seq {seq}: records were cut off or the file was replaced by an older copy");
        // Verified: line N holds seq N.
        var line = File.Exists(path) ? File.ReadLines(path).Skip((int)(seq - 1)).FirstOrDefault() : null;
        if (seq > 0 && (line is null || !AuditRecord.TryParse(line, out var r) || r!.Hash != parts[1]))
            return new AuditVerification(false, seq - 1, seq, seq, $"seq {seq} does not have the hash the state store anchored: the log was replaced");
        return verified;
    }
}
