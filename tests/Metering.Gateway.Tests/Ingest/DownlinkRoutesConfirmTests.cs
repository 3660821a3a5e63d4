using Commons.Metering.Gateway.Ingest;

namespace Commons.Metering.Gateway.Tests.Ingest;

/// <summary>Confirmations take the same shortcut into one device's session as commands, each by its
/// own subscription (DownlinkRoutes).</summary>
public sealed class DownlinkRoutesConfirmTests
{
    private const string Cmd = "commons/v1/c1/m1/down/cmd";
    private const string Confirm = "commons/v1/c1/m1/down/confirm";

    [Fact]
    public void OwnConfirmTopic_GoesStraightToTheDevice_IndependentlyOfItsCommandTopic()
    {
        var routes = new DownlinkRoutes();
        Assert.False(routes.Subscribed("m1", Confirm));
        Assert.Equal("m1", routes.SoleRecipient(Confirm));
        Assert.Null(routes.SoleRecipient(Cmd)); // not subscribed to its commands (yet)
        routes.Subscribed("m1", Cmd);
        Assert.Equal("m1", routes.SoleRecipient(Cmd));
        routes.Unsubscribed("m1", Confirm);
        Assert.Null(routes.SoleRecipient(Confirm));
        Assert.Equal("m1", routes.SoleRecipient(Cmd));
    }

    [Fact]
    public void CleanSession_ForgetsBoth_AndAnotherClientsConfirmTopicIsNoShortcut()
    {
        var routes = new DownlinkRoutes();
        routes.Subscribed("m1", Cmd);
        routes.Subscribed("m1", Confirm);
        routes.Forget("m1");
        Assert.Null(routes.SoleRecipient(Cmd));
        Assert.Null(routes.SoleRecipient(Confirm));
        Assert.True(routes.Subscribed("m2", Confirm)); // a client reading m1's confirmations: everything is routed
        routes.Subscribed("m1", Confirm);
        Assert.Null(routes.SoleRecipient(Confirm));
    }
}
