using Commons.Metering.Gateway.Domain;

namespace Commons.Metering.Gateway.Region;

/// <summary>region.db's share of the stage triggers: the newest value of each reported gauge, each
/// trigger's state (active, held off after a sunset) and the triggered stage with its end.</summary>
public sealed partial class RegionLedger
{
    /// <summary>Keeps <paramref name="g"/> when it is newer than the value held; false for an older or
    /// repeated one (a late report), which must move nothing.</summary>
    public bool NewerGauge(RegionalGauge g, string community)
    {
        lock (_gate)
        {
            using var cmd = Command("""
                INSERT INTO region_gauges VALUES ($n, $v, $t, $c)
                ON CONFLICT(name) DO UPDATE SET value = excluded.value, ts_ms = excluded.ts_ms, community = excluded.community
                WHERE excluded.ts_ms > region_gauges.ts_ms
                """, ("$n", g.Name), ("$v", g.Value), ("$t", g.TsMs), ("$c", community));
            return cmd.ExecuteNonQuery() > 0;
        }
    }

    /// <summary>Every gauge's newest value, with the community that reported it, by name.</summary>
    public IReadOnlyList<(RegionalGauge Gauge, string Community)> Gauges()
    {
        lock (_gate)
        {
            using var cmd = Command("SELECT name, value, ts_ms, community FROM region_gauges ORDER BY name");
            using var rd = cmd.ExecuteReader();
            var list = new List<(RegionalGauge, string)>();
            while (rd.Read()) list.Add((new RegionalGauge(rd.GetString(0), rd.GetInt64(1), rd.GetInt64(2)), rd.GetString(3)));
            return list;
        }
    }

    public (bool Active, bool Latched) TriggerState(Resource r, int index)
    {
        lock (_gate)
        {
            using var cmd = Command("SELECT active, latched FROM region_triggers WHERE resource = $r AND idx = $i", ("$r", r.Name()), ("$i", index));
            using var rd = cmd.ExecuteReader();
            return rd.Read() ? (rd.GetInt64(0) != 0, rd.GetInt64(1) != 0) : (false, false);
        }
    }

    public void SetTriggerState(Resource r, int index, bool active, bool latched)
    {
        lock (_gate)
        {
            using var cmd = Command("INSERT OR REPLACE INTO region_triggers VALUES ($r, $i, $a, $l)",
                ("$r", r.Name()), ("$i", index), ("$a", active ? 1 : 0), ("$l", latched ? 1 : 0));
            cmd.ExecuteNonQuery();
        }
    }

    /// <summary>The stage the triggers raised and when it ends (stage 0: none since it cleared or set).</summary>
    public RegionalStage? Triggered(Resource r)
    {
        lock (_gate)
        {
            using var cmd = Command("SELECT stage, until_ms, cause FROM region_triggered WHERE resource = $r", ("$r", r.Name()));
            using var rd = cmd.ExecuteReader();
            return rd.Read() ? new RegionalStage(r, rd.GetInt32(0), rd.GetInt64(1), rd.GetString(2)) : null;
        }
    }

    public void SetTriggered(RegionalStage s)
    {
        lock (_gate)
        {
            using var cmd = Command("INSERT OR REPLACE INTO region_triggered VALUES ($r, $s, $u, $c)",
                ("$r", s.Resource.Name()), ("$s", s.Stage), ("$u", s.UntilMs), ("$c", s.ProposalId));
            cmd.ExecuteNonQuery();
        }
    }
}
