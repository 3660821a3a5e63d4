using System.Device.Gpio;
using System.Device.Spi;
using Commons.Metering.Firmware.Drivers;
using Iot.Device.Mfrc522;
using Iot.Device.Rfid;

namespace Commons.Metering.Firmware.Host.Drivers;

/// <summary>An MFRC522 permit card reader on SPI (Iot.Device.Bindings' <see cref="MfRc522"/>): the
/// UID of an ISO 14443A card, as the configuration spells it (<see cref="DeviceSetup.UidToHex"/>).
/// Nothing is written to the card; the UID is only a key into the configuration's permit list
/// (<see cref="DeviceSetup.PermitFor"/>), as in the ESP32 application.</summary>
public sealed class PermitReader : IDisposable
{
    /// <summary>MFRC522 datasheet, 8.1.2: SPI up to 10 Mbit/s; 5 MHz leaves margin for wiring
    /// (the ESP32 application's choice too).</summary>
    public const int SpiClockHz = 5_000_000;

    private readonly MfRc522 _reader;

    /// <param name="busId">SPI bus (0 on a Raspberry Pi: /dev/spidev0.*).</param>
    /// <param name="chipSelect">chip-select line of the bus (CE0 = 0).</param>
    /// <param name="resetPin">GPIO of the MFRC522 RST line (logical numbering), or -1.</param>
    public PermitReader(int busId, int chipSelect, int resetPin, GpioController controller)
    {
        var settings = new SpiConnectionSettings(busId, chipSelect)
        {
            ClockFrequency = SpiClockHz,
            Mode = MfRc522.DefaultSpiMode, // MFRC522 datasheet 8.1.2: SPI mode 0
        };
        _reader = new MfRc522(SpiDevice.Create(settings), resetPin, controller, shouldDispose: false);
    }

    /// <summary>Waits up to <paramref name="timeout"/> for a card; its UID as upper-case hex, or null.</summary>
    public string? TryReadUid(TimeSpan timeout)
    {
        if (!_reader.ListenToCardIso14443TypeA(out Data106kbpsTypeA card, timeout)) return null;
        return DeviceSetup.UidToHex(card.NfcId, card.NfcId.Length);
    }

    public void Dispose() => _reader.Dispose();
}
