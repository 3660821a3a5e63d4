using Commons.Metering.Gateway.Policy;

namespace Commons.Metering.Cli.Tests;

/// <summary>`metering audit verify` as a process, on logs written by the gateway's AuditLog.</summary>
public sealed class AuditCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("audit-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string WriteLog(int records)
    {
        var path = Path.Combine(_dir, "audit.log");
        var log = new AuditLog(path, TimeProvider.System);
        for (var i = 0; i < records; i++) log.Append("amina", AuditRoles.Council, "policy.approved", new { id = "p" + i, approvals = i });
        return path;
    }

    [Fact]
    public void IntactLog_ExitsZero_AndCountsItsRecords()
    {
        var path = WriteLog(5);
        var r = CliProcess.Run(_dir, "audit", "verify", path);
        Assert.True(r.ExitCode == ExitCodes.Ok, r.ToString());
        Assert.Contains("ok: 5 records", r.Stdout);
    }

    [Fact]
    public void EditedRecord_ExitsNonZero_AndNamesTheFirstBrokenLine()
    {
        var path = WriteLog(5);
        var lines = File.ReadAllLines(path);
        lines[2] = lines[2].Replace("\"approvals\":2", "\"approvals\":9", StringComparison.Ordinal);
        File.WriteAllLines(path, lines);
        var r = CliProcess.Run(_dir, "audit", "verify", path);
        Assert.True(r.ExitCode == ExitCodes.FileError, r.ToString());
        Assert.Contains($"BROKEN: {path}:3 (seq 3): hash does not match", r.Stdout);
        Assert.Contains("the 2 records before line 3 are intact", r.Stdout);
    }

    [Fact]
    public void DroppedRecord_IsFoundWhereTheChainBreaks()
    {
        var path = WriteLog(4);
        var lines = File.ReadAllLines(path).ToList();
        lines.RemoveAt(1);
        File.WriteAllLines(path, lines);
        var r = CliProcess.Run(_dir, "audit", "verify", path);
        Assert.Equal(ExitCodes.FileError, r.ExitCode);
        Assert.Contains(":2 (seq 3)", r.Stdout);
    }

    [Fact]
    public void MissingFile_ExitsWithFileError()
    {
        var r = CliProcess.Run(_dir, "audit", "verify", Path.Combine(_dir, "nope.log"));
        Assert.Equal(ExitCodes.FileError, r.ExitCode);
        Assert.Contains("no audit log at", r.Stderr + r.Stdout);
    }
}
