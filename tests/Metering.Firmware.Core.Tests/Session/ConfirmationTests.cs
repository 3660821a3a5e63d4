using System.Text;
using Commons.Metering.Firmware;
using Commons.Metering.Firmware.Protocol;
using Commons.Metering.Tests.Doubles;

namespace Commons.Metering.Tests.Session;

/// <summary>End-to-end confirmation on the device (docs/protocol.md, confirmation): a reading leaves
/// the outbox on the gateway's confirmation, never on the broker's PUBACK, once the gateway has
/// confirmed anything; until then the PUBACK removes it as in older firmware.</summary>
public class ConfirmationTests
{
    /// <summary>A device that has learnt its gateway confirms, with an empty outbox (the boot event
    /// and first reading confirmed) and nothing recorded as published yet.</summary>
    private static Rig Confirming(DeviceConfig? config = null)
    {
        var rig = Rig.Started(Rig.WaterMeter, config: config);
        rig.Device.Tick();        // connects, sends the boot event
        Assert.True(rig.Confirm()); // an empty confirmation: this gateway confirms
        rig.Device.Tick();
        Assert.True(rig.Device.WaitsForConfirmation);
        for (int i = 0; i < 20 && rig.Device.OutboxDepth > 0; i++)
        {
            rig.Transport.AckAll();
            rig.Confirm(1, rig.Device.LastSeq);
            rig.Device.Tick();
        }
        Assert.Equal(0, rig.Device.OutboxDepth);
        rig.Transport.Published.Clear();
        return rig;
    }

    private static long[] Outstanding(Rig rig) => rig.Transport.Published
        .Where(p => !p.Retain && rig.Transport.Unacked.Contains(p.MessageId)).Select(p => p.Seq).ToArray();

    public static TheoryData<string> ValidFiles => Vectors.Files(Vectors.Valid("confirm"));
    public static TheoryData<string> InvalidFiles => Vectors.Files(Vectors.Invalid("confirm"));

    [Theory]
    [MemberData(nameof(ValidFiles))]
    public void Parser_reads_each_valid_vector_into_its_ranges(string file)
    {
        var parser = new ConfirmParser();
        byte[] payload = Vectors.Bytes(file);
        Assert.Equal(AckReason.None, parser.Parse(payload, payload.Length));
        long[] expected = Vectors.Entry(file).GetProperty("expect").GetProperty("seqs").EnumerateArray().Select(e => e.GetInt64()).ToArray();
        long[] actual = Enumerable.Range(0, parser.RangeCount).SelectMany(r => new[] { parser.First(r), parser.Last(r) }).ToArray();
        Assert.Equal(expected, actual);
    }

    [Theory]
    [MemberData(nameof(InvalidFiles))]
    public void Parser_refuses_each_invalid_vector_with_its_reason(string file)
    {
        var parser = new ConfirmParser();
        byte[] payload = Vectors.Bytes(file);
        string reason = Vectors.Entry(file).GetProperty("reason").GetString()!;
        Assert.Equal(reason, Words.AckReasons[parser.Parse(payload, payload.Length)]);
        Assert.Equal(0, parser.RangeCount);
    }

    [Fact]
    public void Before_any_confirmation_a_PUBACK_removes_the_record_and_the_status_says_confirm_1()
    {
        var rig = Rig.Started(Rig.WaterMeter);
        rig.Device.Tick();
        Assert.Contains("\"confirm\":1", rig.Transport.Published[0].Text);
        rig.Drain();
        Assert.Equal(0, rig.Device.OutboxDepth);
        Assert.False(rig.Device.WaitsForConfirmation);
    }

    [Fact]
    public void The_first_confirmation_switches_mode_for_good_and_the_status_is_published_again_with_confirm_2()
    {
        var rig = Confirming();
        var statuses = rig.Transport.Published.Count == 0 ? null : rig.Transport.On("/up/status").ToList();
        Assert.Null(statuses); // the republished status came before Confirming() cleared the record

        var after = rig.Reboot();
        Assert.True(after.Device.WaitsForConfirmation);
        after.Device.Tick();
        Assert.Contains("\"confirm\":2", after.Transport.On("/up/status").First().Text);
    }

    [Fact]
    public void The_status_is_published_again_with_confirm_2_when_the_first_confirmation_arrives()
    {
        var rig = Rig.Started(Rig.WaterMeter);
        rig.Device.Tick();
        rig.Confirm();
        rig.Device.Tick();
        var statuses = rig.Transport.On("/up/status").ToList();
        Assert.Equal(2, statuses.Count);
        Assert.Contains("\"confirm\":1", statuses[0].Text);
        Assert.Contains("\"confirm\":2", statuses[1].Text);
        Assert.True(statuses[1].Retain);
    }

    [Fact]
    public void A_PUBACK_keeps_the_record_until_a_confirmation_covers_its_seq()
    {
        var rig = Confirming();
        rig.Device.ReadNow();
        rig.Device.Tick();
        rig.Transport.AckAll();     // the broker acknowledged the reading
        rig.Device.Tick();
        long seq = rig.SentSeqs.Single();
        Assert.Equal(1, rig.Device.OutboxDepth);

        rig.Confirm(seq + 1, seq + 5); // not its seq
        rig.Device.Tick();
        Assert.Equal(1, rig.Device.OutboxDepth);

        rig.Confirm(seq, seq);
        rig.Device.Tick();
        Assert.Equal(0, rig.Device.OutboxDepth);
    }

    [Fact]
    public void A_reading_the_broker_lost_after_its_PUBACK_is_sent_again_and_the_confirmed_ones_are_not()
    {
        var config = Rig.NewConfig();
        config.MaxInflight = 4;
        var rig = Confirming(config);
        for (int i = 0; i < 3; i++)
        {
            rig.WaterChannel.AddPulses(450);
            rig.Device.ReadNow();
        }
        rig.Device.Tick();
        rig.Transport.AckAll();
        rig.Device.Tick();
        long[] sent = rig.SentSeqs.ToArray();
        Assert.Equal(3, sent.Length); // all acknowledged by the broker

        // The broker died holding sent[1]: the gateway confirms the others.
        rig.Confirm(sent[0], sent[0], sent[2], sent[2]);
        rig.Device.Tick();
        Assert.Equal(1, rig.Device.OutboxDepth);

        rig.Run(config.ConfirmTimeoutMs - 2000, 1000);
        Assert.Equal(3, rig.SentSeqs.Count()); // not before the timeout
        rig.Run(3000, 1000);
        Assert.Equal(sent[1], rig.SentSeqs.Last());
        Assert.Equal(4, rig.SentSeqs.Count());
        rig.Transport.AckAll();
        rig.Device.Tick();
        rig.Confirm(sent[1], sent[1]);
        rig.Device.Tick();
        Assert.Equal(0, rig.Device.OutboxDepth);
    }

    [Fact]
    public void At_most_MaxUnconfirmed_records_are_sent_ahead_of_the_confirmations()
    {
        var config = Rig.NewConfig();
        config.MaxInflight = 2;
        config.MaxUnconfirmed = 5;
        var rig = Confirming(config);
        for (int i = 0; i < 20; i++)
        {
            rig.Device.ReadNow();
        }
        for (int tick = 0; tick < 50; tick++)
        {
            rig.Device.Tick();
            Assert.True(Outstanding(rig).Length <= 2, "more than MaxInflight without a PUBACK");
            rig.Transport.AckAll();
        }
        Assert.Equal(5, rig.SentSeqs.Count());

        long[] sent = rig.SentSeqs.ToArray();
        rig.Confirm(sent[0], sent[1]);
        for (int tick = 0; tick < 10; tick++)
        {
            rig.Device.Tick();
            rig.Transport.AckAll();
        }
        Assert.Equal(7, rig.SentSeqs.Count()); // two confirmed, two more went out
        Assert.Equal(rig.SentSeqs.Order(), rig.SentSeqs);
    }

    [Fact]
    public void After_a_reconnect_every_unconfirmed_record_is_sent_again()
    {
        var config = Rig.NewConfig();
        config.MaxInflight = 4;
        var rig = Confirming(config);
        rig.Device.ReadNow();
        rig.Device.ReadNow();
        rig.Device.Tick();
        rig.Transport.AckAll();
        rig.Device.Tick();
        long[] first = rig.SentSeqs.ToArray();
        Assert.Equal(2, first.Length);

        rig.Transport.DropConnection();
        rig.Run(5_000, 100);
        Assert.True(rig.Device.IsConnected);
        Assert.Equal(first.Concat(first), rig.SentSeqs);
    }

    [Fact]
    public void Resends_back_off_while_the_gateway_stays_silent_and_a_confirmation_resets_them()
    {
        var config = Rig.NewConfig();
        config.ConfirmTimeoutMs = 10_000;
        config.ReadingIntervalMs = 86_400_000; // no periodic reading gets in the way
        var rig = Confirming(config);
        rig.Device.ReadNow();
        rig.Device.Tick();
        rig.Transport.AckAll();
        rig.Transport.AckInsidePublish = true;
        var sendTimes = new List<long>();
        for (int s = 0; s < 400; s++)
        {
            int before = rig.SentSeqs.Count();
            rig.Clock.Advance(1000);
            rig.Device.Tick();
            if (rig.SentSeqs.Count() > before)
            {
                sendTimes.Add(rig.Clock.UptimeMs);
            }
        }
        // The reading again after timeouts of 10, 20, 40, 80, 160 s, each from its PUBACK (taken one
        // tick after the send): the first send is before the loop.
        long[] gaps = sendTimes.Zip(sendTimes.Skip(1), (x, y) => (y - x) / 1000).ToArray();
        Assert.Equal([21L, 41, 81, 161], gaps);

        rig.Confirm(1, long.MaxValue - 1);
        rig.Device.Tick();
        Assert.Equal(0, rig.Device.OutboxDepth);
        rig.Device.ReadNow();
        rig.Device.Tick();
        int sent = rig.SentSeqs.Count();
        rig.Run(12_000, 1000); // silence was reset: the first timeout is 10 s again
        Assert.Equal(sent + 1, rig.SentSeqs.Count());
    }

    [Fact]
    public void An_ack_leaves_on_its_PUBACK_also_in_confirmation_mode()
    {
        var rig = Confirming();
        rig.Transport.Deliver(rig.Device.TopicRoot + "/down/cmd",
            "{\"v\":1,\"cid\":\"c-1\",\"exp\":" + (Rig.Epoch + 3_600_000) + ",\"op\":\"ping\"}");
        rig.Confirm(1, 1_000_000);
        for (int i = 0; i < 5; i++)
        {
            rig.Device.Tick();
            rig.Transport.AckAll();
        }
        rig.Device.Tick();
        Assert.Single(rig.Acks);
        Assert.Equal(0, rig.Device.OutboxDepth);
    }

    [Fact]
    public void A_malformed_confirmation_is_ignored_and_counted_and_does_not_switch_the_mode()
    {
        var rig = Rig.Started(Rig.WaterMeter);
        rig.Device.Tick();
        rig.Transport.Deliver(rig.Device.TopicRoot + "/down/confirm", "{\"v\":1,\"seqs\":[5,1]}");
        rig.Device.Tick();
        Assert.False(rig.Device.WaitsForConfirmation);
        Assert.Equal(1, rig.Device.RefusedConfirmations);
        Assert.Equal(0, rig.Device.Confirmations);
    }

    [Fact]
    public void Confirmations_do_not_allocate_in_steady_state()
    {
        var rig = Confirming();
        byte[] payload = Encoding.ASCII.GetBytes("{\"v\":1,\"seqs\":[1,3,7,9]}");
        var listener = rig.Transport.Listener;
        string topic = rig.Device.TopicRoot + "/down/confirm";
        listener.OnMessage(topic, payload, payload.Length);
        rig.Device.Tick();
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10; i++)
        {
            listener.OnMessage(topic, payload, payload.Length);
            rig.Device.Tick();
        }
        Assert.Equal(before, GC.GetAllocatedBytesForCurrentThread());
    }
}
