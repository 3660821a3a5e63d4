using Commons.Metering.Gateway.Cluster;
using Commons.Metering.Gateway.Options;

namespace Commons.Metering.Gateway.Tests.Cluster;

public sealed class ClusterOptionsTests
{
    private static GatewayOptions PostgresExternal()
    {
        var g = new GatewayOptions();
        g.Storage.Provider = StorageProvider.Postgres;
        g.Storage.ConnectionString = "Host=127.0.0.1;Database=metering";
        g.Broker.Mode = BrokerMode.External;
        return g;
    }

    [Fact]
    public void Default_IsOff_AndValid()
    {
        var o = new ClusterOptions();
        Assert.False(o.Enabled);
        Assert.Empty(o.Errors(new GatewayOptions()));
    }

    [Fact]
    public void Communities_AreSplitOnCommas_TrimmedAndDistinct()
    {
        var o = new ClusterOptions { Communities = " north, south ,north,," };
        Assert.Equal(["north", "south"], o.CommunityList);
        Assert.Empty(o.Errors(PostgresExternal()));
    }

    [Fact]
    public void OnSqliteAndTheEmbeddedBroker_BothAreNamed()
    {
        var errors = new ClusterOptions { Communities = "north" }.Errors(new GatewayOptions()).ToList();
        Assert.Contains(errors, e => e.Contains("Metering:Storage:Provider Postgres", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("Metering:Broker:Mode External", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("North", "is not a community id")]
    [InlineData("a/b", "is not a community id")]
    public void ABadCommunityId_IsRefused(string community, string expected) =>
        Assert.Contains(new ClusterOptions { Communities = community }.Errors(PostgresExternal()), e => e.Contains(expected, StringComparison.Ordinal));

    [Theory]
    [InlineData(10, 0, "RenewSeconds must be at least 1")]
    [InlineData(5, 3, "LeaseSeconds must be at least twice RenewSeconds")]
    [InlineData(7200, 3, "LeaseSeconds must be at most 3600")]
    public void LeaseAndRenewal_AreChecked(int lease, int renew, string expected) =>
        Assert.Contains(new ClusterOptions { Communities = "north", LeaseSeconds = lease, RenewSeconds = renew }.Errors(PostgresExternal()),
            e => e.Contains(expected, StringComparison.Ordinal));

    [Fact]
    public void InstanceSettingsWithoutCommunities_AreRefused() =>
        Assert.Contains(new ClusterOptions { InstanceId = "gw1" }.Errors(new GatewayOptions()), e => e.Contains("apply only with", StringComparison.Ordinal));

    [Fact]
    public void AnAdvertisedUrlThatIsNotHttp_IsRefused() =>
        Assert.Contains(new ClusterOptions { Communities = "north", AdvertisedUrl = "gw1:8080" }.Errors(PostgresExternal()),
            e => e.Contains("AdvertisedUrl", StringComparison.Ordinal));

    [Fact]
    public void InstanceId_DefaultsToHostAndProcess_AndTheUrlToTheHttpListener()
    {
        var o = new ClusterOptions { Communities = "north" };
        Assert.Equal($"{Environment.MachineName}-{Environment.ProcessId}", o.EffectiveInstanceId);
        Assert.Equal("http://127.0.0.1:8080/", o.EffectiveUrl(new HttpOptions()));
        Assert.Equal(TimeSpan.FromSeconds(7), o.GiveUpAfter);
    }
}
