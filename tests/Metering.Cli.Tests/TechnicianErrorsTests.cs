using Commons.Metering.Gateway.Policy;
using Commons.Metering.Testing;

namespace Commons.Metering.Cli.Tests;

/// <summary>What a technician sees when a command cannot do its job: the option they typed, not a C#
/// parameter; a default that is really looked for; no credentials file made up in a wrong folder.</summary>
public sealed class TechnicianErrorsTests
{
    [Fact]
    public void CalibratePulse_WithZeroPulses_NamesTheOption_NotACSharpParameter()
    {
        using var dir = new TempDir("cli-calibrate");
        var r = CliProcess.Run(dir.Path, "calibrate", "pulse", "--pulses", "0", "--measured-ml", "1000");
        Assert.Equal(ExitCodes.Usage, r.ExitCode);
        Assert.Contains("--pulses: the pulse count must be positive", r.Stderr);
        Assert.DoesNotContain("(Parameter", r.Stderr);
    }

    [Fact]
    public void AuditVerify_WithoutAFile_ReadsTheDataFoldersLog_AndSaysWhereItLookedWhenThereIsNone()
    {
        using var dir = new TempDir("cli-audit");
        var missing = CliProcess.Run(dir.Path, "audit", "verify");
        Assert.Equal(ExitCodes.FileError, missing.ExitCode);
        Assert.Contains($"no audit log at {Path.Combine(dir.Path, "data", "audit.log")} (nor at /var/lib/metering/audit.log)", missing.Stderr);

        Directory.CreateDirectory(Path.Combine(dir.Path, "data"));
        var log = new AuditLog(Path.Combine(dir.Path, "data", "audit.log"), TimeProvider.System);
        log.Append("amina", AuditRoles.Council, "policy.approved", new { id = "p1" });
        var found = CliProcess.Run(dir.Path, "audit", "verify");
        Assert.True(found.ExitCode == ExitCodes.Ok, found.ToString());
        Assert.Contains("ok: 1 records", found.Stdout);
    }

    [Fact]
    public void Provision_FromAFolderWithoutData_RefusesInsteadOfStartingAnEmptyCredentialsFile()
    {
        using var dir = new TempDir("cli-provision");
        string[] args = ["provision", "--meter", "w-0001", "--community", "riverside", "--resource", "water", "--broker", "192.0.2.10:1884",
            "--wifi-ssid", "riverside-mesh", "--wifi-password", "wifi-passphrase-9f3k", "--hash-iterations", "100"];
        var refused = CliProcess.Run(dir.Path, args);
        Assert.Equal(ExitCodes.FileError, refused.ExitCode);
        Assert.Contains("run from the gateway's folder (the one holding data/) or give the file with --registry; nothing written", refused.Stderr);
        Assert.False(Directory.Exists(Path.Combine(dir.Path, "data")));
        Assert.False(Directory.Exists(Path.Combine(dir.Path, "devices")));

        // In the gateway's folder (data/ exists) the first device starts the file, and says so.
        Directory.CreateDirectory(Path.Combine(dir.Path, "data"));
        var first = CliProcess.Run(dir.Path, args);
        Assert.True(first.ExitCode == ExitCodes.Ok, first.ToString());
        Assert.Contains("(a new credentials file)", first.Stdout + first.Stderr);
    }
}
