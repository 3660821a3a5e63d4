namespace Commons.Metering.Cli.Tests;

/// <summary>The command line runs the gateway's broker-account, ACL and audit-log code from the library
/// both reference (gateway/Metering.Gateway.Shared), not from copies compiled into itself: one type, one
/// set of rules.</summary>
public sealed class SharedCodeTests
{
    [Fact]
    public void TheCli_CompilesNoCopyOfTheGatewaysTypes()
    {
        var copies = typeof(ExitCodes).Assembly.GetTypes()
            .Where(t => t.Namespace?.StartsWith("Commons.Metering.Gateway.BrokerAccounts", StringComparison.Ordinal) == true
                || t.Namespace?.StartsWith("Commons.Metering.Gateway.Policy", StringComparison.Ordinal) == true)
            .Select(t => t.FullName).ToList();
        Assert.True(copies.Count == 0, "compiled into the CLI as well: " + string.Join(", ", copies));
    }

    [Fact]
    public void TheCredentialsFileAndTheAuditLog_ComeFromTheSharedLibrary()
    {
        Assert.Equal("Metering.Gateway.Shared", typeof(Gateway.BrokerAccounts.CredentialsFile).Assembly.GetName().Name);
        Assert.Equal("Metering.Gateway.Shared", typeof(Gateway.Policy.AuditLog).Assembly.GetName().Name);
    }
}
