using System;
using Commons.Metering.Firmware.Protocol;
using Commons.Metering.Firmware.Storage;

namespace Commons.Metering.Firmware
{
    /// <summary>Start-up recovery and the persisted totals (totals-ring.md).</summary>
    public sealed partial class MeterDevice
    {
        private TotalsRing _totals;
        private FlashOutbox _outbox;
        private readonly TotalsState _totalsState = new TotalsState();
        private readonly long[] _persistedRegister = new long[Limits.MaxChannels];
        private readonly long[] _persistedRemainder = new long[Limits.MaxChannels];
        private long _lastPersistUptimeMs;

        private readonly UplinkSequence _seq = new UplinkSequence();
        private readonly long _seqFloor;
        private int _bootCount;
        private long _nextReadingUptimeMs;

        /// <summary>Recovers registers, sequence numbers, timestamps, the outbox and the local policy
        /// from the block store, counts the boot, reserves a fresh block of sequence numbers and
        /// queues a boot event. Call once, after the channels are added.</summary>
        public void Start()
        {
            Start(false);
        }

        /// <summary>As <see cref="Start()"/>; with <paramref name="wokeFromDeepSleep"/> true (the board
        /// woke from its own deep sleep, e.g. nanoFramework's Sleep.GetWakeupCause() is not
        /// Undefined) it is not a boot: the boot count stays and no boot event is queued. After
        /// <see cref="PrepareForDeepSleep"/> no sequence number is skipped either.</summary>
        public void Start(bool wokeFromDeepSleep)
        {
            lock (_sync)
            {
                if (_started)
                {
                    throw new InvalidOperationException("already started");
                }
                if (_channelCount == 0 && _gaugeCount == 0)
                {
                    throw new InvalidOperationException("add at least one channel or gauge before Start");
                }
                FlashLayout layout = new FlashLayout(_store);
                if (TotalsRing.WorstRecordBytes(_channelCount) > _store.BlockSize)
                {
                    throw new InvalidOperationException("a totals record of this many channels does not fit in one flash block");
                }
                _totals = new TotalsRing(_store, layout.TotalsFirstBlock, layout.TotalsBlockCount);
                _outbox = new FlashOutbox(_store, layout.OutboxFirstBlock, layout.OutboxBlocksPerHalf, _outboxCapacity);
                bool hasTotals = _totals.Recover(_totalsState);
                OutboxRecovery recovered = new OutboxRecovery();
                _outbox.Recover(recovered);

                RestoreChannels(hasTotals, recovered);
                long lastSeq = hasTotals ? _totalsState.SeqReservedThrough : 0;
                if (recovered.MaxSeq > lastSeq)
                {
                    lastSeq = recovered.MaxSeq;
                }
                // A reflashed device's sequence, restored by the technician (DeviceConfig.SeqFloor).
                if (_seqFloor > lastSeq)
                {
                    lastSeq = _seqFloor;
                }
                // Everything up to the last reservation may have been used: skip past all of it.
                _seq.Restore(lastSeq, hasTotals && _totalsState.LastTsMs > recovered.MaxTsMs ? _totalsState.LastTsMs : recovered.MaxTsMs);
                _bootCount = (hasTotals ? _totalsState.BootCount : 0) + (wokeFromDeepSleep && hasTotals ? 0 : 1);
                _executed.RestoreFrom(hasTotals ? _totalsState : null);
                RestorePolicy(hasTotals);
                _confirmation.Restore(hasTotals && _totalsState.GatewayConfirms);

                Persist(_seq.NextReservation);
                _started = true;
                long up = _clock.UptimeMs;
                _nextReadingUptimeMs = up;
                if (recovered.DroppedAtRecovery > 0)
                {
                    _thinned.Dropped(recovered.DroppedAtRecovery);
                }
                if (!wokeFromDeepSleep || !hasTotals)
                {
                    Emit(_record, OutboxRecord.Event(_record, EventKind.Boot, null, null, false, 0), 0, up);
                }
            }
        }

        /// <summary>Before a planned deep sleep: writes the totals with the sequence-number
        /// reservation trimmed to the last number used, so the wake (<see cref="Start(bool)"/>)
        /// continues right after it instead of skipping the rest of the block. Anything queued
        /// afterwards reserves a new block first, as always.</summary>
        public void PrepareForDeepSleep()
        {
            lock (_sync)
            {
                RequireStarted();
                Persist(_seq.LastUsed);
            }
        }

        /// <summary>Writes the totals now (before a planned shutdown, after a forest booking).</summary>
        public void PersistNow()
        {
            lock (_sync)
            {
                RequireStarted();
                Persist(_seq.ReservedThrough);
            }
        }

        /// <summary>Register per channel: the larger of the newest totals record and the newest
        /// reading in the outbox (which may have been published after that record). Pulses
        /// counted before Start are kept on top.</summary>
        private void RestoreChannels(bool hasTotals, OutboxRecovery recovered)
        {
            for (int c = 0; c < _channelCount; c++)
            {
                DeviceChannelState state = _channels[c];
                long register = 0;
                long remainder = 0;
                int t = hasTotals ? _totalsState.IndexOf(state.Hash) : -1;
                if (t >= 0)
                {
                    register = _totalsState.Registers[t];
                    remainder = _totalsState.Remainders[t];
                }
                int r = recovered.IndexOf(state.Hash);
                if (r >= 0 && recovered.Registers[r] > register)
                {
                    register = recovered.Registers[r];
                    remainder = 0; // under one unit, unknown: dropped, never double counted
                }
                if (state.Kind == DeviceChannelState.KindRegister)
                {
                    if (!state.Sampled)
                    {
                        state.Register = register;
                    }
                }
                else
                {
                    state.Register += register;
                    if (remainder >= 0 && remainder < state.PulsesDenominator)
                    {
                        long scaled = state.Remainder + remainder;
                        state.Register += scaled / state.PulsesDenominator;
                        state.Remainder = scaled % state.PulsesDenominator;
                    }
                }
                _lastReadingRegister[c] = state.Register;
            }
        }

        /// <summary>Writes a totals record; <paramref name="seqReservedThrough"/> takes effect in
        /// RAM only once it is in flash.</summary>
        private void Persist(long seqReservedThrough)
        {
            TotalsState s = _totalsState;
            s.SeqReservedThrough = seqReservedThrough;
            s.LastTsMs = _seq.LastTsMs;
            s.BootCount = _bootCount;
            s.ChannelCount = _channelCount;
            for (int c = 0; c < _channelCount; c++)
            {
                s.Hashes[c] = _channels[c].Hash;
                s.Registers[c] = _channels[c].Register;
                s.Remainders[c] = _channels[c].Remainder;
            }
            _executed.SaveTo(s);
            SavePolicy(s);
            s.GatewayConfirms = _confirmation.ConfirmMode;
            _totals.Write(s);
            _seq.Reserved(seqReservedThrough);
            for (int c = 0; c < _channelCount; c++)
            {
                _persistedRegister[c] = s.Registers[c];
                _persistedRemainder[c] = s.Remainders[c];
            }
            _lastPersistUptimeMs = _clock.UptimeMs;
        }

        private bool TotalsChanged()
        {
            for (int c = 0; c < _channelCount; c++)
            {
                if (_channels[c].Register != _persistedRegister[c] || _channels[c].Remainder != _persistedRemainder[c])
                {
                    return true;
                }
            }
            return false;
        }

        /// <summary>The next sequence number; reserves (persists) a new block first when the
        /// reserved ones are used up, so a number is never used before it is safe in flash.</summary>
        private long NextSeq()
        {
            if (_seq.NeedsReservation)
            {
                Persist(_seq.NextReservation);
            }
            return _seq.Take();
        }

        /// <summary>Strictly increasing timestamps: a clock that stands still or steps back
        /// yields last + 1 ms.</summary>
        private long NextTs(long candidateMs)
        {
            return _seq.NextTs(candidateMs);
        }

        private void RequireStarted()
        {
            if (!_started)
            {
                throw new InvalidOperationException("call Start first");
            }
        }
    }
}
