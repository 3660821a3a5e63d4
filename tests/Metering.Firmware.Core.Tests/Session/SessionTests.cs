using Commons.Metering.Firmware;
using Commons.Metering.Tests.Doubles;

namespace Commons.Metering.Tests.Session;

public class SessionTests
{
    private const string Root = "commons/v1/valley/house-7";

    [Fact]
    public void Connect_registers_the_retained_offline_will_then_subscribes_and_publishes_retained_online_status()
    {
        var rig = Rig.Started(Rig.WaterMeter);
        rig.Device.Tick();

        var connect = Assert.Single(rig.Transport.Connects);
        Assert.Equal("house-7", connect.ClientId);
        Assert.Equal(Root + "/up/status", connect.WillTopic);
        Assert.Equal(Vectors.Bytes("valid/status-offline.json"), connect.WillPayload);
        Assert.Equal([Root + "/down/cmd", Root + "/down/confirm"], rig.Transport.Subscriptions);

        var status = rig.Transport.Published[0];
        Assert.Equal(Root + "/up/status", status.Topic);
        Assert.True(status.Retain);
        Assert.Equal("""{"v":1,"state":"online","fw":"1.0.0","boot":1,"outbox":2,"confirm":1,"ts":1764245400000}""", status.Text);
        Assert.True(rig.Device.IsConnected);
    }

    [Fact]
    public void Outbox_is_published_in_order_one_at_a_time_and_only_acknowledged_records_leave_it()
    {
        var rig = Rig.Started(Rig.WaterMeter);
        rig.Transport.AcceptConnections = false;
        for (int i = 1; i <= 5; i++)
        {
            rig.WaterChannel.AddPulses(450);
            rig.Device.ReadNow();
        }
        Assert.Equal(6, rig.Device.OutboxDepth); // boot event + 5 readings

        rig.Transport.AcceptConnections = true;
        rig.Run(60_000, 60_000); // connects; takes the periodic reading too
        var uplinks = rig.Transport.Published.Where(p => !p.Retain).ToList();
        Assert.Single(uplinks); // window of 1: one in flight
        Assert.EndsWith("/up/event", uplinks[0].Topic);

        for (int tick = 0; tick < 3; tick++)
        {
            rig.Device.Tick(); // no PUBACK: nothing leaves, nothing else is sent
        }
        Assert.Equal(7, rig.Device.OutboxDepth);
        Assert.Single(rig.Transport.Published, p => !p.Retain);

        rig.Drain();
        long[] seqs = rig.Transport.Published.Where(p => !p.Retain).Select(p => p.Seq).ToArray();
        Assert.Equal(7, seqs.Length);
        Assert.Equal(seqs.Order(), seqs);
        Assert.Equal([1000L, 2000, 3000, 4000, 5000, 5000], rig.Readings.Select(r => Rig.RegisterOf(r, "main")));
        Assert.Equal(0, rig.Device.OutboxDepth);
    }

    [Fact]
    public void Window_of_three_keeps_three_in_flight_and_an_out_of_order_ack_removes_only_its_record()
    {
        var config = Rig.NewConfig();
        config.MaxInflight = 3;
        var rig = Rig.Started(Rig.WaterMeter, config: config);
        for (int i = 0; i < 5; i++)
        {
            rig.Device.ReadNow();
        }
        rig.Device.Tick();
        var inFlight = rig.Transport.Published.Where(p => !p.Retain).ToList();
        Assert.Equal(3, inFlight.Count);

        rig.Transport.Ack(inFlight[1].MessageId);
        rig.Device.Tick();
        Assert.Equal(6, rig.Device.OutboxDepth); // boot, 5 + 1 periodic readings; one acknowledged
        var sent = rig.Transport.Published.Where(p => !p.Retain).ToList();
        Assert.Equal(4, sent.Count);             // the freed slot took the next record
        Assert.Equal(sent.Select(p => p.Seq).Order(), sent.Select(p => p.Seq));
    }

    [Fact]
    public void Records_unacknowledged_when_the_connection_drops_are_sent_again_after_reconnecting()
    {
        var rig = Rig.Started(Rig.WaterMeter);
        rig.Device.Tick();
        var first = rig.Transport.Published.Last();
        Assert.False(first.Retain);

        rig.Transport.DropConnection();
        rig.Device.Tick();
        Assert.False(rig.Device.IsConnected);
        rig.Run(5_000, 100); // backoff of at most ReconnectMinMs (1 s)
        Assert.True(rig.Device.IsConnected);

        var resent = rig.Transport.Published.Where(p => !p.Retain).ToList();
        Assert.Equal(2, resent.Count);
        Assert.Equal(first.Payload, resent[1].Payload);
        Assert.NotEqual(first.MessageId, resent[1].MessageId);

        rig.Transport.Ack(first.MessageId); // a PUBACK of the old session must not remove anything
        rig.Device.Tick();
        Assert.Equal(2, rig.Device.OutboxDepth);
        rig.Drain();
        Assert.Equal(0, rig.Device.OutboxDepth);
    }

    [Fact]
    public void Reconnect_backoff_doubles_with_jitter_and_is_capped()
    {
        var config = Rig.NewConfig();
        config.ReconnectMinMs = 1000;
        config.ReconnectMaxMs = 30_000;
        var rig = Rig.Started(Rig.WaterMeter, config: config);
        rig.Transport.AcceptConnections = false;
        rig.Run(10 * 60_000, 50);

        long[] at = rig.Transport.Connects.Select(c => c.UptimeMs).ToArray();
        long[] delays = at.Zip(at.Skip(1), (a, b) => b - a).ToArray();
        Assert.True(delays.Length > 20);
        for (int i = 0; i < delays.Length; i++)
        {
            long ceiling = Math.Min(30_000, 1000L << Math.Min(i, 20));
            Assert.InRange(delays[i], ceiling / 2, ceiling + 50); // one tick of slack
        }
        Assert.True(delays[^5..].All(d => d <= 30_050), "capped at ReconnectMaxMs");
        Assert.True(delays[^10..].Distinct().Count() > 5, "jitter: capped delays differ");
        Assert.True(delays[3] > delays[0], "grows");
    }

    [Fact]
    public void Failed_publish_drops_the_session_and_reconnects()
    {
        var rig = Rig.Started(Rig.WaterMeter);
        rig.Device.Tick();
        rig.Transport.FailPublishes = true;
        rig.Transport.AckAll();
        rig.Device.Tick();
        Assert.False(rig.Device.IsConnected);
        Assert.Equal(1, rig.Transport.Disconnects);

        rig.Transport.FailPublishes = false;
        rig.Run(2_000, 100);
        Assert.True(rig.Device.IsConnected);
        Assert.Equal(2, rig.Transport.Connects.Count);
    }

    [Fact]
    public void Acknowledgement_arriving_before_publish_returns_is_not_lost()
    {
        var rig = Rig.Started(Rig.WaterMeter);
        rig.Transport.AckInsidePublish = true;
        rig.Device.Tick();
        rig.Device.Tick();
        rig.Device.Tick();
        Assert.Equal(0, rig.Device.OutboxDepth);
    }

    [Fact]
    public void Callbacks_and_pulses_from_other_threads_while_ticking_lose_nothing()
    {
        var rig = Rig.Started(r => r.Water = r.Device.AddPulseChannel("s0", "Wh", 1, 1, 0));
        using var stop = new CancellationTokenSource();
        var pulses = new Thread(() =>
        {
            for (int i = 0; i < 20_000; i++)
            {
                rig.WaterChannel.AddPulses(1);
            }
        });
        var broker = new Thread(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                int[] ids;
                lock (rig.Transport)
                {
                    ids = rig.Transport.Unacked.ToArray();
                    rig.Transport.Unacked.Clear();
                }
                foreach (int id in ids)
                {
                    rig.Transport.Listener.OnPublished(id); // on this thread, racing with Tick
                }
                Thread.Yield();
            }
        });
        pulses.Start();
        broker.Start();
        for (int i = 0; i < 2_000; i++)
        {
            lock (rig.Transport) { rig.Device.Tick(); }
            if (i % 10 == 0) { rig.Device.ReadNow(); }
            rig.Clock.Advance(1_000);
        }
        pulses.Join();
        rig.Device.ReadNow();
        // Bounded by wall time, not by a count of turns: on a loaded machine the broker thread may
        // get few turns, and a count of 100,000 ran out with readings still waiting (once, in a run
        // beside a build); 30 s is far beyond what an idle machine needs (well under 1 s).
        var drainDeadline = System.Diagnostics.Stopwatch.StartNew();
        while (rig.Device.OutboxDepth > 0 && drainDeadline.Elapsed < TimeSpan.FromSeconds(30))
        {
            lock (rig.Transport) { rig.Device.Tick(); }
            rig.Clock.Advance(1);
            Thread.Yield();
        }
        stop.Cancel();
        broker.Join();

        Assert.Equal(20_000, rig.WaterChannel.Register);
        Assert.Equal(0, rig.Device.OutboxDepth);
        Assert.Equal(20_000, Rig.RegisterOf(rig.Readings.Last(), "s0"));
    }
}
