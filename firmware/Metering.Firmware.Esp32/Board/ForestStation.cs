using Commons.Metering.Firmware;

namespace Commons.Metering.Esp32.Board
{
    /// <summary>The forest weighing: a harvester loads the platform and holds a permit card to the
    /// reader; the load is weighed and booked against that permit (MeterDevice.BookLoad). The card
    /// must leave the reader before it can book again, so one presentation books one load.</summary>
    internal sealed class ForestStation
    {
        /// <summary>Short enough that the main loop still ticks about every 200 ms.</summary>
        private const int CardPollMs = 100;

        private readonly MeterDevice _device;
        private readonly AccumulatorChannel _channel;
        private readonly Hx711Scale _scale;
        private readonly PermitReader _reader;
        private string _lastUid;

        public ForestStation(MeterDevice device, AccumulatorChannel channel, Hx711Scale scale, PermitReader reader)
        {
            _device = device;
            _channel = channel;
            _scale = scale;
            _reader = reader;
        }

        /// <summary>True while a weighing is under way (the node must not go to sleep).</summary>
        public bool Busy { get; private set; }

        public void Poll()
        {
            string permit;
            string uid = _reader.TryRead(CardPollMs, out permit);
            if (uid == null)
            {
                _lastUid = null; // the card left: the next presentation books again
                return;
            }
            if (uid == _lastUid)
            {
                return;
            }
            _lastUid = uid;
            if (permit == null)
            {
                BoardLog.Line("forest: unknown card " + uid);
                return;
            }
            Busy = true;
            long grams;
            if (_scale.TryWeigh(out grams) && grams > 0)
            {
                _device.BookLoad(_channel, grams, permit);
                BoardLog.Line("forest: booked " + grams + " g on " + permit);
            }
            else
            {
                BoardLog.Line("forest: no weight for " + permit + " (empty platform, uncalibrated or HX711 fault)");
            }
            Busy = false;
        }
    }
}
