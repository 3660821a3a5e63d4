using Commons.Metering.Testing;

namespace Commons.Metering.Cli.Tests.Integration;

[Trait("Category", "Integration")]
public sealed class RequireAuthenticationOptionTests
{
    [Fact]
    public void ExternalBrokerWithRequireAuthentication_StopsAtStartWithAClearMessage()
    {
        using var gw = new GatewayProcess();
        gw.Environment["Metering__Broker__Mode"] = "External";
        gw.Environment["Metering__Broker__RequireAuthentication"] = "true";
        Assert.NotEqual(0, gw.RunToExit());
        Assert.Contains("Metering:Broker:RequireAuthentication applies to the embedded broker only", gw.Output);
        Assert.Contains("Metering__Broker__RequireAuthentication", gw.Output);
    }
}
