namespace Commons.Metering.Firmware.Drivers
{
    /// <summary>One PZEM-004T v3 poll over a serial link, the same on every board: drop a late
    /// answer, send the read request (<see cref="Pzem004t.BuildReadRequest"/>), collect bytes until
    /// <see cref="Pzem004t.ParseReadResponse"/> has a whole frame (an answer or an exception) or the
    /// link times out, and on success sample the energy register (Wh) into the channel.
    /// Allocation-free; not thread-safe (one poller per port, polled from one loop).</summary>
    public sealed class PzemPoller
    {
        /// <summary>No whole answer: the link timed out or failed (no module, wiring, mains off).
        /// Negative so it never collides with the <see cref="Pzem004t"/> status codes.</summary>
        public const int NoAnswer = -1;

        private readonly ISerialLink _link;
        private readonly RegisterChannel _channel;
        private readonly byte _address;
        private readonly byte[] _request = new byte[Pzem004t.RequestLength];
        private readonly byte[] _answer = new byte[Pzem004t.ResponseLength];

        /// <param name="address">Modbus slave address, 0x01..0xF7, or 0xF8 for the only slave on the bus.</param>
        /// <param name="channel">Where the energy register goes; null: read only.</param>
        public PzemPoller(ISerialLink link, int address, RegisterChannel channel)
        {
            if (link == null)
            {
                throw new System.ArgumentNullException("link");
            }
            if (address < 1 || address > Pzem004t.GeneralAddress)
            {
                throw new System.ArgumentException("PZEM address must be 0x01..0xF8");
            }
            _link = link;
            _channel = channel;
            _address = (byte)address;
            Pzem004t.BuildReadRequest(_address, _request);
            LastStatus = NoAnswer;
        }

        public byte Address { get { return _address; } }

        /// <summary>The last poll's outcome: <see cref="Pzem004t.Ok"/>, one of its error codes, or <see cref="NoAnswer"/>.</summary>
        public int LastStatus { get; private set; }

        public long Polls { get; private set; }
        public long Failures { get; private set; }

        /// <summary>One request and answer into <paramref name="into"/>. False on a timeout, a
        /// truncated frame, a CRC error, another slave or an exception answer
        /// (<see cref="PzemReading.ExceptionCode"/>): the register keeps its last value (a register
        /// reading carries the total, so a missed poll loses nothing).</summary>
        public bool Poll(PzemReading into)
        {
            Polls++;
            LastStatus = Exchange(into);
            if (LastStatus != Pzem004t.Ok)
            {
                Failures++;
                return false;
            }
            if (_channel != null)
            {
                _channel.Sample(into.EnergyWh);
            }
            return true;
        }

        private int Exchange(PzemReading into)
        {
            into.Clear();
            _link.DiscardInput();
            if (!_link.Write(_request, _request.Length))
            {
                return NoAnswer;
            }
            int received = 0;
            int status = Pzem004t.Incomplete;
            // Each read brings at least one byte or ends the loop: at most ResponseLength reads,
            // each waiting at most the link's read timeout.
            while (status == Pzem004t.Incomplete && received < _answer.Length)
            {
                int n = _link.Read(_answer, received, _answer.Length - received);
                if (n <= 0)
                {
                    return NoAnswer;
                }
                received += n;
                status = Pzem004t.ParseReadResponse(_answer, received, _address, into);
            }
            return status;
        }
    }
}
