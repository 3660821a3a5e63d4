using Commons.Metering.Firmware.Drivers;

namespace Commons.Metering.Firmware.Host.Drivers;

/// <summary>A weighing the scale could make, in grams; false when it could not.</summary>
public delegate bool TryWeigh(out long grams);

/// <summary>The forest weighing, as on the ESP32: a harvester loads the platform and holds a permit
/// card to the reader; the load is weighed and booked against the card's permit
/// (<see cref="MeterDevice.BookLoad"/>). The card must leave the reader before it books again, so
/// one presentation books one load. An unknown card books nothing.</summary>
public sealed class ForestStation
{
    private readonly MeterDevice _device;
    private readonly AccumulatorChannel _channel;
    private readonly DeviceSetup _setup;
    private readonly Func<string?> _readUid;
    private readonly TryWeigh _weigh;
    private readonly Action<string> _log;
    private string? _lastUid;

    /// <param name="readUid">The card on the reader now (its UID as hex) or null.</param>
    public ForestStation(MeterDevice device, AccumulatorChannel channel, DeviceSetup setup, Func<string?> readUid, TryWeigh weigh, Action<string> log)
    {
        _device = device ?? throw new ArgumentNullException(nameof(device));
        _channel = channel ?? throw new ArgumentNullException(nameof(channel));
        _setup = setup ?? throw new ArgumentNullException(nameof(setup));
        _readUid = readUid ?? throw new ArgumentNullException(nameof(readUid));
        _weigh = weigh ?? throw new ArgumentNullException(nameof(weigh));
        _log = log ?? throw new ArgumentNullException(nameof(log));
    }

    public long Booked { get; private set; }

    /// <summary>One look at the reader; books a load when a known card has just been presented.</summary>
    public void Poll()
    {
        var uid = _readUid();
        if (uid is null)
        {
            _lastUid = null; // the card left: the next presentation books again
            return;
        }
        if (uid == _lastUid) return;
        _lastUid = uid;
        var permit = _setup.PermitFor(uid);
        if (permit is null)
        {
            _log($"forest: unknown card {uid}");
            return;
        }
        if (_weigh(out var grams) && grams > 0)
        {
            _device.BookLoad(_channel, grams, permit);
            Booked++;
            _log($"forest: booked {grams} g on {permit}");
        }
        else
        {
            _log($"forest: no weight for {permit} (empty platform, uncalibrated or HX711 fault)");
        }
    }
}
