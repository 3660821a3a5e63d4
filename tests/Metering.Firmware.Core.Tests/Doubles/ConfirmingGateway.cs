using Commons.Metering.Firmware;

namespace Commons.Metering.Tests.Doubles;

/// <summary>The gateway side of a refill test: keeps every uplink it receives by seq (its ledger),
/// acknowledges and confirms exactly the seqs it received, and can lose everything after a seq, as a
/// gateway restored from a backup does.</summary>
public sealed class ConfirmingGateway
{
    private Rig? _rig;
    private int _seen;

    /// <summary>seq -> the payload first received for it.</summary>
    public SortedDictionary<long, string> Ledger { get; } = new();

    /// <summary>Every seq received at least once, also after it was lost.</summary>
    public HashSet<long> Received { get; } = new();

    /// <summary>Seqs that arrived again with a payload other than the one the ledger holds.</summary>
    public List<long> Changed { get; } = new();

    public void Attach(Rig rig)
    {
        _rig = rig;
        _seen = 0;
    }

    /// <summary>A restore: everything after <paramref name="seq"/> is gone.</summary>
    public void Restore(long seq)
    {
        foreach (long s in Ledger.Keys.Where(k => k > seq).ToArray())
            Ledger.Remove(s);
    }

    /// <summary>One round: the device ticks, the broker acknowledges, the gateway confirms what arrived.</summary>
    public void Serve()
    {
        var rig = _rig ?? throw new InvalidOperationException("attach a device first");
        rig.Device.Tick();
        rig.Transport.AckAll();
        var fresh = new List<long>();
        for (; _seen < rig.Transport.Published.Count; _seen++)
        {
            var p = rig.Transport.Published[_seen];
            if (!p.Topic.Contains("/up/reading", StringComparison.Ordinal) && !p.Topic.Contains("/up/event", StringComparison.Ordinal)
                && !p.Topic.Contains("/up/gauge", StringComparison.Ordinal))
                continue;
            long seq = p.Seq;
            if (Ledger.TryGetValue(seq, out var held) && held != p.Text)
                Changed.Add(seq);
            Ledger.TryAdd(seq, p.Text);
            Received.Add(seq);
            fresh.Add(seq);
        }
        foreach (var chunk in fresh.Distinct().Order().Chunk(16))
            rig.Confirm(chunk.SelectMany(s => new[] { s, s }).ToArray());
        rig.Device.Tick();
    }

    /// <summary>Minutes of water use, a reading each, all served.</summary>
    public void Minutes(int minutes)
    {
        var rig = _rig ?? throw new InvalidOperationException("attach a device first");
        for (int i = 0; i < minutes; i++)
        {
            rig.WaterChannel.AddPulses(450);
            rig.Clock.Advance(60_000);
            Serve();
        }
    }

    public bool AskRefill(long after, string cid)
    {
        var rig = _rig ?? throw new InvalidOperationException("attach a device first");
        return rig.Transport.Deliver(rig.Device.TopicRoot + "/down/cmd",
            "{\"v\":1,\"cid\":\"" + cid + "\",\"exp\":" + (rig.Clock.UnixMs + 3_600_000) + ",\"op\":\"refill\",\"after\":" + after + "}");
    }

    public bool Acked(string cid) => _rig!.Acks.Any(a => a.Json.GetProperty("cid").GetString() == cid && a.Json.GetProperty("ok").GetBoolean());

    /// <summary>Serves until the refill is acknowledged and the outbox is empty.</summary>
    public void ServeUntilRefilled(string cid, int maxRounds = 2000)
    {
        var rig = _rig!;
        for (int i = 0; i < maxRounds; i++)
        {
            rig.Clock.Advance(100);
            Serve();
            if (Acked(cid) && rig.Device.OutboxDepth == 0)
                return;
        }
        throw new InvalidOperationException($"refill {cid} not done: ack {Acked(cid)}, outbox {rig.Device.OutboxDepth}");
    }
}
