using Commons.Metering.Firmware.Storage;

namespace Commons.Metering.Firmware
{
    /// <summary>The local policy in the totals record (Storage/totals-ring.md, version 2): written
    /// with every totals write, restored at Start from the newest intact record.</summary>
    public sealed partial class MeterDevice
    {
        /// <summary>Copies the policy into the totals state about to be written.</summary>
        private void SavePolicy(TotalsState t)
        {
            t.Stage = _stage;
            t.StageCurtail = _stageCurtail;
            int n = 0;
            for (int c = 0; c < _channelCount; c++)
            {
                DeviceChannelState s = _channels[c];
                if (!s.HasPolicy)
                {
                    continue;
                }
                t.PolicyHashes[n] = s.Hash;
                t.UseClasses[n] = (byte)s.UseClass;
                t.Trips[n] = (byte)s.Trip;
                t.AllowanceLimits[n] = s.AllowanceLimit;
                t.AllowancePeriodsS[n] = s.AllowancePeriodS;
                t.AllowanceStarts[n] = s.AllowanceStartUnixMs;
                t.PeriodStarts[n] = s.PeriodStartUnixMs;
                t.PeriodBaselines[n] = s.PeriodBaseline;
                t.LeaksS[n] = s.LeakS;
                t.BurstsPerMin[n] = s.BurstPerMin;
                n++;
            }
            t.PolicyCount = n;
        }

        /// <summary>At Start: the policy of the newest intact record, or none (fails safe).</summary>
        private void RestorePolicy(bool hasTotals)
        {
            if (!hasTotals)
            {
                return;
            }
            TotalsState t = _totalsState;
            _stage = t.Stage;
            _stageCurtail = t.StageCurtail;
            for (int c = 0; c < _channelCount; c++)
            {
                DeviceChannelState s = _channels[c];
                int p = t.IndexOfPolicy(s.Hash);
                if (p < 0)
                {
                    continue;
                }
                s.UseClass = t.UseClasses[p];
                s.Trip = t.Trips[p];
                s.AllowanceLimit = t.AllowanceLimits[p];
                s.AllowancePeriodS = t.AllowancePeriodsS[p];
                s.AllowanceStartUnixMs = t.AllowanceStarts[p];
                s.PeriodStartUnixMs = t.PeriodStarts[p];
                s.PeriodBaseline = t.PeriodBaselines[p];
                s.LeakS = t.LeaksS[p];
                s.BurstPerMin = t.BurstsPerMin[p];
            }
        }
    }
}
