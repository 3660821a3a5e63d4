using Commons.Metering.Firmware.Platform;
using Commons.Metering.Firmware.Protocol;
using Commons.Metering.Firmware.Session;
using Commons.Metering.Tests.Doubles;

namespace Commons.Metering.Tests.Session;

/// <summary>The MQTT session on its own, against the transport double; the device's use of it
/// (status, publishing, resends) is in SessionTests.</summary>
public class MqttSessionTests
{
    private const string Root = "commons/v1/valley/house-7";

    /// <summary>Always the top of the jitter range, so each delay is the backoff ceiling.</summary>
    private sealed class HighestRandom : IRandom
    {
        public int Next(int maxExclusive) => maxExclusive - 1;
    }

    private readonly FakeTransport _transport = new(new ManualClock(0));

    private MqttSession NewSession() =>
        new(_transport, "house-7", new DeviceTopics("valley", "house-7"), new ReconnectBackoff(1000, 8000, new HighestRandom()));

    [Fact]
    public void Open_connects_as_the_meter_with_the_offline_will_and_subscribes_to_commands_and_confirmations()
    {
        var session = NewSession();

        Assert.True(session.Open(0));

        var connect = Assert.Single(_transport.Connects);
        Assert.Equal("house-7", connect.ClientId);
        Assert.Equal(Root + "/up/status", connect.WillTopic);
        Assert.Equal(Vectors.Bytes("valid/status-offline.json"), connect.WillPayload);
        Assert.Equal([Root + "/down/cmd", Root + "/down/confirm"], _transport.Subscriptions);
        Assert.False(session.Connected); // up only once the device published its status
        session.Established();
        Assert.True(session.IsUp);
    }

    [Fact]
    public void Refused_connections_wait_a_backoff_that_doubles_to_its_cap_and_a_lost_session_starts_it_over()
    {
        var session = NewSession();
        _transport.AcceptConnections = false;

        Assert.False(session.Open(0));
        Assert.Equal(1000, session.NextAttemptUptimeMs);
        Assert.False(session.Open(999));
        Assert.Single(_transport.Connects); // too early: no attempt at all
        Assert.False(session.Open(1000));
        Assert.Equal(3000, session.NextAttemptUptimeMs);
        Assert.False(session.Open(3000));
        Assert.Equal(7000, session.NextAttemptUptimeMs);
        Assert.False(session.Open(7000));
        Assert.Equal(15000, session.NextAttemptUptimeMs); // 8000: the cap
        Assert.False(session.Open(15000));
        Assert.Equal(23000, session.NextAttemptUptimeMs);

        _transport.AcceptConnections = true;
        Assert.True(session.Open(23000));
        session.Established();
        session.Drop(24000, true);

        Assert.False(session.Connected);
        Assert.Equal(1, _transport.Disconnects);
        Assert.Equal(25000, session.NextAttemptUptimeMs); // the first step again
    }

    [Fact]
    public void A_failed_first_publish_closes_the_half_open_connection_and_schedules_a_retry()
    {
        var session = NewSession();
        Assert.True(session.Open(0));

        session.Abort(0);

        Assert.False(session.Connected);
        Assert.Equal(1, _transport.Disconnects);
        Assert.Equal(1000, session.NextAttemptUptimeMs);
        Assert.False(session.Open(500));
    }

    [Fact]
    public void A_connection_the_transport_lost_is_seen_and_dropped_without_a_disconnect_call()
    {
        var session = NewSession();
        _transport.SetListener(new TransportInbox(Root + "/down/cmd", Root + "/down/confirm", 4));
        Assert.True(session.Open(0));
        session.Established();

        _transport.DropConnection();

        Assert.True(session.TransportLost);
        Assert.False(session.IsUp);
        session.Drop(100, false);
        Assert.False(session.TransportLost);
        Assert.Equal(0, _transport.Disconnects);
    }

    [Fact]
    public void The_status_is_retained_on_the_status_topic_and_uplinks_are_not()
    {
        var session = NewSession();
        Assert.True(session.Open(0));
        byte[] payload = "{}"u8.ToArray();

        Assert.True(session.PublishStatus(payload, payload.Length));
        Assert.True(session.Publish(Root + "/up/reading", payload, payload.Length) > 0);

        Assert.Equal((Root + "/up/status", true), (_transport.Published[0].Topic, _transport.Published[0].Retain));
        Assert.Equal((Root + "/up/reading", false), (_transport.Published[1].Topic, _transport.Published[1].Retain));
    }
}
