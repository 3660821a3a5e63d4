using Commons.Metering.Gateway.Policy;
using Microsoft.Extensions.Time.Testing;

namespace Commons.Metering.Gateway.Tests.Policy;

public sealed class AuditLogTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("audit-").FullName;
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero));

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Path => System.IO.Path.Combine(_dir, "audit.jsonl");

    private AuditLog WriteFive()
    {
        var log = new AuditLog(Path, _time);
        for (var i = 1; i <= 5; i++)
        {
            log.Append("amina", AuditRoles.Council, "test.record", new { i, note = $"record {i}" });
            _time.Advance(TimeSpan.FromMinutes(1));
        }
        return log;
    }

    [Fact]
    public void Appended_RecordsChainAndVerify()
    {
        WriteFive();
        var lines = File.ReadAllLines(Path);
        Assert.Equal(5, lines.Length);
        Assert.True(AuditRecord.TryParse(lines[1], out var second));
        Assert.True(AuditRecord.TryParse(lines[0], out var first));
        Assert.Equal((2L, first!.Hash, "{\"i\":2,\"note\":\"record 2\"}"), (second!.Seq, second.PrevHash, second.PayloadJson));
        Assert.Equal(AuditRecord.Genesis, first.PrevHash);
        Assert.Equal("2026-03-01T12:00:00.0000000+00:00", first.Time);
        var v = AuditLog.Verify(Path);
        Assert.True(v.Ok, v.ToString());
        Assert.Equal(5, v.Records);
    }

    [Fact]
    public void Reopened_LogContinuesTheChain()
    {
        WriteFive();
        var again = new AuditLog(Path, _time);
        var r = again.Append("bruno", AuditRoles.Council, "test.record", new { i = 6 });
        Assert.Equal(6, r.Seq);
        Assert.True(AuditLog.Verify(Path).Ok);
    }

    [Fact]
    public void OneByteChanged_FirstBrokenLinkIsThatRecord()
    {
        WriteFive();
        var bytes = File.ReadAllBytes(Path);
        var text = System.Text.Encoding.ASCII.GetString(bytes);
        var at = text.IndexOf("record 3", StringComparison.Ordinal) + "record ".Length; // on line 3
        bytes[at] = (byte)'4';
        File.WriteAllBytes(Path, bytes);
        var v = AuditLog.Verify(Path);
        Assert.Equal((false, 3L, 2L), (v.Ok, v.FirstBrokenLine!.Value, v.Records));
        Assert.Contains("hash does not match", v.Problem);
    }

    [Fact]
    public void LineDropped_FirstBrokenLinkIsWhereItWas()
    {
        WriteFive();
        var lines = File.ReadAllLines(Path).ToList();
        lines.RemoveAt(1);
        File.WriteAllLines(Path, lines);
        var v = AuditLog.Verify(Path);
        Assert.Equal((false, 2L, 3L), (v.Ok, v.FirstBrokenLine!.Value, v.FirstBrokenSeq!.Value));
    }

    [Fact]
    public void LastLineDropped_IsNotDetectableByTheChainAlone_ButCountsOneFewer()
    {
        // A truncated tail is a valid shorter chain: stated here so nobody relies on verify for it.
        WriteFive();
        File.WriteAllLines(Path, File.ReadAllLines(Path)[..4]);
        Assert.Equal((true, 4L), (AuditLog.Verify(Path).Ok, AuditLog.Verify(Path).Records));
    }

    [Fact]
    public void LinesReordered_FirstBrokenLinkIsTheFirstMovedLine()
    {
        WriteFive();
        var lines = File.ReadAllLines(Path);
        (lines[3], lines[4]) = (lines[4], lines[3]);
        File.WriteAllLines(Path, lines);
        var v = AuditLog.Verify(Path);
        Assert.Equal((4L, 5L), (v.FirstBrokenLine!.Value, v.FirstBrokenSeq!.Value));
    }

    [Fact]
    public void RecordRewrittenWithARecomputedHash_BreaksTheNextLink()
    {
        WriteFive();
        var lines = File.ReadAllLines(Path);
        AuditRecord.TryParse(lines[1], out var r);
        var forged = r! with { Actor = "mallory" };
        forged = forged with { Hash = AuditRecord.ComputeHash(forged.Seq, forged.Time, forged.Actor, forged.Role, forged.Kind, forged.PayloadJson, forged.PrevHash) };
        lines[1] = forged.ToJsonLine();
        File.WriteAllLines(Path, lines);
        var v = AuditLog.Verify(Path);
        Assert.Equal(3L, v.FirstBrokenLine);
        Assert.Contains("prev does not match", v.Problem);
    }

    [Fact]
    public void TornLastLine_IsReportedByVerify_AndCutOffWhenTheLogIsOpened()
    {
        WriteFive();
        File.AppendAllText(Path, "{\"seq\":6,\"ti");
        Assert.Equal(6L, AuditLog.Verify(Path).FirstBrokenLine);
        var log = new AuditLog(Path, _time);
        Assert.Equal("{\"seq\":6,\"ti", File.ReadAllText(log.TornTailPath!));
        Assert.True(AuditLog.Verify(Path).Ok);
    }

    /// <summary>A power cut at every byte of the sixth append: the log opens again, the five
    /// records before stay and verify, a torn partial record is kept beside the log, and the next
    /// append continues the chain.</summary>
    [Fact]
    public void PowerCutAtEveryByteOfAnAppend_LogReopens_ChainVerifies_TornBytesKept()
    {
        WriteFive();
        var five = File.ReadAllBytes(Path);
        new AuditLog(Path, _time).Append("amina", AuditRoles.Council, "test.record", new { i = 6 });
        var six = File.ReadAllBytes(Path);
        for (var cut = five.Length; cut < six.Length; cut++)
        {
            foreach (var f in Directory.GetFiles(_dir, "*.torn-*")) File.Delete(f);
            File.WriteAllBytes(Path, six[..cut]);
            var log = new AuditLog(Path, _time);
            var complete = cut == six.Length - 1; // all but the newline: the record itself is whole
            Assert.Equal(cut == five.Length || complete ? null : six[five.Length..cut], log.TornTailPath is null ? null : File.ReadAllBytes(log.TornTailPath));
            log.Append("bo", AuditRoles.Technician, "test.after", new { cut });
            var check = AuditLog.Verify(Path);
            Assert.True(check.Ok, $"cut at {cut}: {check}");
            Assert.Equal(complete ? 7 : 6, check.Records);
        }
    }

    [Fact]
    public void ACompleteLastLineThatIsNotARecord_IsRefused_NotRepaired()
    {
        WriteFive();
        File.AppendAllText(Path, "edited by hand\n");
        Assert.Throws<InvalidDataException>(() => new AuditLog(Path, _time));
    }
}
