using Commons.Metering.Firmware.Protocol;
using Commons.Metering.Firmware.Session;
using Commons.Metering.Firmware.Storage;

namespace Commons.Metering.Firmware
{
    /// <summary>Downlink commands (docs/protocol.md, command): parsed, checked for expiry,
    /// executed at most once per cid, acknowledged through the outbox.</summary>
    public sealed partial class MeterDevice
    {
        private readonly CommandParser _parser = new CommandParser();
        private readonly Command _command = new Command();
        private readonly byte[] _commandPayload = new byte[Limits.MaxPayloadBytes];
        private readonly ExecutedCommands _executed = new ExecutedCommands();
        private ICommandHandler _handler;

        /// <summary>Downlinks turned away since boot because <see cref="Limits.InboxMessages"/> were already
        /// waiting for the next Tick (docs/protocol.md "Per-device window"): the transport did not acknowledge
        /// them where it can (the broker delivers them again), else the gateway's resend brings them back.</summary>
        public int RefusedCommands { get { return _inbox.RefusedMessages; } }

        /// <summary>Downlinks dropped since boot as larger than <see cref="Limits.MaxPayloadBytes"/>.</summary>
        public int OversizedCommands { get { return _inbox.DroppedMessages; } }

        /// <summary>Commands wait in the inbox until the clock is set: expiry and the ack's ts need it.</summary>
        private void ProcessCommands(long unix)
        {
            for (int n = 0; n < Limits.InboxMessages; n++)
            {
                int length = _inbox.TakeMessage(_commandPayload);
                if (length < 0)
                {
                    return;
                }
                Execute(length, unix);
            }
        }

        private void Execute(int length, long unix)
        {
            byte reason = _parser.Parse(_commandPayload, length, _command);
            string cid = _command.Cid;
            if (cid == null)
            {
                // Nothing to acknowledge against: say so in an event.
                lock (_sync)
                {
                    int eventLength = OutboxRecord.Event(_record, EventKind.CmdRejected, null, Words.AckReasons[reason], false, 0);
                    Enqueue(_record, eventLength, 0, unix);
                }
                return;
            }
            int remembered;
            lock (_sync)
            {
                remembered = _executed.IndexOf(cid);
            }
            if (reason == AckReason.None && remembered >= 0)
            {
                Acknowledge(cid, _executed.ResultAt(remembered), unix); // a redelivery: not executed again
                return;
            }
            if (reason == AckReason.None && unix > _command.ExpiresUnixMs)
            {
                reason = AckReason.Expired;
            }
            if (reason != AckReason.None)
            {
                Acknowledge(cid, reason, unix);
                return;
            }
            if (_command.Op == CommandOp.Refill)
            {
                // At least once instead: refilling twice only sends duplicates (MeterDevice.Refill.cs).
                StartRefill(cid, _command.AfterSeq);
                return;
            }
            // At most once: the cid is in flash before the command takes effect.
            lock (_sync)
            {
                _executed.Remember(cid, AckReason.None);
                Persist(_seq.ReservedThrough);
            }
            byte result = Apply(_command, unix);
            if (result != AckReason.None)
            {
                lock (_sync)
                {
                    _executed.SetResult(_executed.IndexOf(cid), result);
                    Persist(_seq.ReservedThrough);
                }
            }
            Acknowledge(cid, result, unix);
        }

        /// <summary>Runs the command's effect: the local policy's ops in the core, valve and relay
        /// through the handler (outside the lock); returns the ack's reason code.</summary>
        private byte Apply(Command c, long unix)
        {
            switch (c.Op)
            {
                case CommandOp.Ping:
                    return AckReason.None;
                case CommandOp.Valve:
                case CommandOp.Relay:
                    ICommandHandler handler = _handler;
                    return handler == null ? AckReason.UnknownOp : ApplyOutput(c, handler);
                default:
                    return ApplyPolicy(c, unix);
            }
        }

        private void Acknowledge(string cid, byte reason, long unix)
        {
            lock (_sync)
            {
                Enqueue(_record, OutboxRecord.Ack(_record, cid, reason), 0, unix, false);
            }
        }
    }
}
