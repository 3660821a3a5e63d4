using System.Diagnostics;
using Commons.Metering.Testing;
using Xunit.Abstractions;

namespace Commons.Metering.Tests.Packaging;

/// <summary>The repository's own tooling builds the amd64 .deb (tools/build-deb.sh: a self-contained
/// publish, then dpkg-deb); the package holds the gateway, the command line, the hardened unit and
/// the settings file as a conffile; packaging/test-install.sh installs it with apt-get, checks the
/// installed unit with `systemd-analyze verify`, starts the installed binary as the unit would (user
/// metering, the unit's environment and gateway.env, /var/lib/metering) and gets /healthz with the
/// package's version, then purges the package (the ledger stays). Needs root (it installs a package and a system
/// user), as CI runs; fails, never skips, when not root or when dpkg-deb or systemd-analyze is missing.</summary>
[Collection(TestStreams.Beside)]
public sealed class DebianPackageTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempDir _dir = new("deb");

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void TheDeb_Builds_HoldsTheServiceAndSettings_Installs_AndTheInstalledGatewayServesHealthz()
    {
        Assert.True(Command.Run("/usr/bin/id", "-u").Output.Trim() == "0", "this test installs a package: run it as root (CI does)");
        ServerProcess.Require("dpkg-deb", "dpkg");
        ServerProcess.Require("systemd-analyze", "systemd");
        var root = Repository.Root;
        var version = File.ReadAllText(Path.Combine(root, "VERSION")).Trim();

        var build = Run(Path.Combine(root, "tools", "build-deb.sh"), TimeSpan.FromMinutes(20),
            [("PUBLISH_OUT", _dir.File("publish")), ("DEB_OUT", _dir.File("deb"))], "linux-x64");
        var deb = _dir.File($"deb/metering-gateway_{version}_amd64.deb");
        Assert.True(File.Exists(deb), build);

        var fields = Command.Run("dpkg-deb", "-f", deb, "Package", "Version", "Architecture").Output;
        Assert.Equal($"Package: metering-gateway\nVersion: {version}\nArchitecture: amd64\n", fields);
        var contents = Command.Run("dpkg-deb", "-c", deb).Output;
        foreach (var path in new[]
                 {
                     "./usr/lib/metering/gateway/Metering.Gateway", "./usr/lib/metering/cli/metering", "./usr/bin/metering -> ../lib/metering/cli/metering",
                     "./lib/systemd/system/metering-gateway.service", "./etc/metering/gateway.env", "./usr/share/doc/metering-gateway/operations.md",
                 })
            Assert.Contains(path, contents);
        Assert.Equal("/etc/metering/gateway.env\n", Extract(deb, "conffiles"));

        var unit = File.ReadAllText(Path.Combine(root, "packaging", "debian", "metering-gateway.service"));
        foreach (var directive in new[]
                 {
                     "Type=notify", "WatchdogSec=", "User=metering", "StateDirectory=metering", "EnvironmentFile=/etc/metering/gateway.env",
                     "Restart=on-failure", "NoNewPrivileges=yes", "PrivateTmp=yes", "ProtectSystem=strict", "StandardOutput=journal",
                 })
            Assert.Contains("\n" + directive, unit);

        var install = Run(Path.Combine(root, "packaging", "test-install.sh"), TimeSpan.FromMinutes(5), [],
            deb, FreePort.Next().ToString(), FreePort.Next().ToString());
        Assert.Contains($"OK: {deb} installs, runs as metering and serves /healthz ({version})", install);
        Assert.Contains($"\"version\":\"{version}+", install);
    }

    private string Extract(string deb, string member)
    {
        var dir = _dir.File("control");
        Directory.CreateDirectory(dir);
        var (code, text) = Command.Run("dpkg-deb", "-e", deb, dir);
        Assert.True(code == 0, text);
        return File.ReadAllText(Path.Combine(dir, member));
    }

    /// <summary>Runs a repository script to its end; fails with its output when it exits non-zero.</summary>
    private string Run(string script, TimeSpan timeout, (string Key, string Value)[] environment, params string[] args)
    {
        var psi = new ProcessStartInfo(script) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        foreach (var (k, v) in environment) psi.Environment[k] = v;
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(timeout))
        {
            p.Kill(entireProcessTree: true);
            Assert.Fail($"{script} did not finish within {timeout}");
        }
        var text = stdout.Result + stderr.Result;
        output.WriteLine($"{Path.GetFileName(script)}: exit {p.ExitCode}\n{text}");
        Assert.True(p.ExitCode == 0, $"{script} exited {p.ExitCode}:\n{text}");
        return text;
    }

    private static class Repository
    {
        public static string Root
        {
            get
            {
                return RepoPaths.Root;
            }
        }
    }
}
