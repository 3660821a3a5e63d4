using Commons.Metering.Gateway.BrokerAccounts;

namespace Commons.Metering.Gateway.Tests.Registry;

/// <summary>docs/protocol.md, "confirmation": a device may read its own down/confirm, the gateway
/// account may write every device's, and no device may write one; the same in the embedded broker's
/// authorizer and in the acl_file `metering broker credentials` exports for mosquitto.</summary>
public sealed class ConfirmationAclTests
{
    private static readonly BrokerAccount Device = new() { User = "w-1", Role = BrokerRole.Device, Community = "demo", PasswordHash = "x" };
    private static readonly BrokerAccount Other = new() { User = "w-2", Role = BrokerRole.Device, Community = "demo", PasswordHash = "x" };
    private static readonly BrokerAccount Gateway = new() { User = "gw", Role = BrokerRole.Gateway, PasswordHash = "x" };

    private const string Own = "commons/v1/demo/w-1/down/confirm";
    private const string Others = "commons/v1/demo/w-2/down/confirm";

    [Fact]
    public void EmbeddedBroker_LetsADeviceReadOnlyItsOwnConfirmations_AndOnlyTheGatewayWriteThem()
    {
        Assert.True(BrokerAuthorizer.MaySubscribe(Device, Own));
        Assert.False(BrokerAuthorizer.MaySubscribe(Device, Others));
        Assert.False(BrokerAuthorizer.MayPublish(Device, Own));
        Assert.False(BrokerAuthorizer.MayPublish(Device, Others));
        Assert.True(BrokerAuthorizer.MayPublish(Gateway, Own));
        Assert.True(BrokerAuthorizer.MayPublish(Gateway, Others));
    }

    [Fact]
    public void MosquittoAclFile_GrantsTheSame()
    {
        var grants = Grants(MosquittoFiles.AclFile([Device, Other, Gateway]));
        Assert.True(Allowed(grants, "w-1", "read", Own));
        Assert.False(Allowed(grants, "w-1", "read", Others));
        Assert.False(Allowed(grants, "w-1", "write", Own));
        Assert.False(Allowed(grants, "w-2", "write", Own));
        Assert.True(Allowed(grants, "gw", "write", Own));
        Assert.True(Allowed(grants, "gw", "write", Others));
    }

    /// <summary>user -> (access, pattern) lines of a mosquitto acl_file (mosquitto.conf(5), "acl_file").</summary>
    private static Dictionary<string, List<(string Access, string Pattern)>> Grants(string aclFile)
    {
        var grants = new Dictionary<string, List<(string, string)>>();
        List<(string, string)>? current = null;
        foreach (var line in aclFile.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var parts = line.Split(' ');
            if (parts[0] == "user") grants[parts[1]] = current = [];
            else if (parts[0] == "topic") current!.Add((parts[1], parts[2]));
        }
        return grants;
    }

    private static bool Allowed(Dictionary<string, List<(string Access, string Pattern)>> grants, string user, string access, string topic) =>
        grants[user].Any(g => (g.Access == access || g.Access == "readwrite") && TopicAcl.Covers(g.Pattern, topic));
}
