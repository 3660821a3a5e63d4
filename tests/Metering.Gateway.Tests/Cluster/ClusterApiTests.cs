using Commons.Metering.Gateway.Auth;
using Commons.Metering.Gateway.Tests.Http;

namespace Commons.Metering.Gateway.Tests.Cluster;

public sealed class ClusterApiTests
{
    [Fact]
    public async Task OnAGatewayThatIsNoClusterInstance_TheClusterEndpointSaysSo()
    {
        await using var gw = new InProcessGateway();
        await gw.StartAsync();
        using var http = gw.Client(gw.Token("tech", Role.Technician));

        using var response = await http.GetAsync("api/v1/cluster");

        var body = await response.Content.ReadAsStringAsync();
        Assert.Equal(System.Net.HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("not a cluster instance", body, StringComparison.Ordinal);
    }
}
