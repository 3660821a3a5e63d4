using System.Diagnostics;
using Commons.Metering.Gateway.BrokerAccounts;
using Commons.Metering.Testing;

namespace Commons.Metering.Cli.Tests.Registry;

public sealed class MosquittoPasswordHashTests
{
    [Fact]
    public void Verify_AcceptsTheLineWrittenByTheRealMosquittoPasswd()
    {
        var tool = ServerProcess.Require("mosquitto_passwd", "mosquitto");
        using var dir = new TempDir("passwd");
        var file = dir.File("passwd");
        using (var p = Process.Start(new ProcessStartInfo(tool, ["-c", "-b", file, "w-0001", "s3cret pass"]) { RedirectStandardError = true })!)
        {
            p.WaitForExit(10_000);
            Assert.Equal(0, p.ExitCode);
        }
        var line = File.ReadAllText(file).Trim();
        var hash = line["w-0001:".Length..];
        Assert.StartsWith("$7$", hash);
        Assert.True(MosquittoPasswordHash.Verify("s3cret pass", hash));
        Assert.False(MosquittoPasswordHash.Verify("s3cret pasS", hash));
    }

    [Fact]
    public void Hash_HasMosquittosShape_AndVerifiesOnlyItsPassword()
    {
        var hash = MosquittoPasswordHash.Hash("correct horse", iterations: 1000);
        var parts = hash.Split('$');
        Assert.Equal(["", "7", "1000"], parts[..3]);
        Assert.Equal(MosquittoPasswordHash.SaltBytes, Convert.FromBase64String(parts[3]).Length);
        Assert.Equal(MosquittoPasswordHash.HashBytes, Convert.FromBase64String(parts[4]).Length);
        Assert.True(MosquittoPasswordHash.Verify("correct horse", hash));
        Assert.False(MosquittoPasswordHash.Verify("correct horsE", hash));
    }

    [Fact]
    public void Hash_SamePasswordTwice_GivesDifferentSalts() =>
        Assert.NotEqual(MosquittoPasswordHash.Hash("p", 10), MosquittoPasswordHash.Hash("p", 10));

    [Theory]
    [InlineData("")]
    [InlineData("$6$abc$def")]
    [InlineData("$7$0$c2FsdA==$aGFzaA==")]
    [InlineData("$7$101$not base64$aGFzaA==")]
    [InlineData("$7$101$c2FsdA==$aGFzaA==")]
    [InlineData("$7$99999999$c2FsdA==$aGFzaA==")]
    public void Verify_MalformedHash_IsFalse(string hash) => Assert.False(MosquittoPasswordHash.Verify("p", hash));
}
