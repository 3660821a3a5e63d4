using System;
using System.Device.Gpio;
using System.Device.Spi;
using Commons.Metering.Firmware.Drivers;
using Iot.Device.Mfrc522;
using Iot.Device.Rfid;
using nanoFramework.Hardware.Esp32;

namespace Commons.Metering.Esp32.Board
{
    /// <summary>An MFRC522 on SPI1 (binding nanoFramework.Iot.Device.Mfrc522): reads the UID of an
    /// ISO 14443A card and maps it to a permit id through the configuration. Nothing is written
    /// to the card; the UID is only a key into the permit list.</summary>
    internal sealed class PermitReader
    {
        /// <summary>MFRC522 datasheet, 8.1.2: SPI up to 10 Mbit/s; 5 MHz leaves margin for wiring.</summary>
        private const int SpiClockHz = 5000000;

        private readonly MfRc522 _reader;
        private readonly DeviceSetup _setup;

        public PermitReader(GpioController gpio, DeviceSetup setup)
        {
            _setup = setup;
            Configuration.SetPinFunction(setup.GpioOf("rfid_mosi"), DeviceFunction.SPI1_MOSI);
            Configuration.SetPinFunction(setup.GpioOf("rfid_miso"), DeviceFunction.SPI1_MISO);
            Configuration.SetPinFunction(setup.GpioOf("rfid_sck"), DeviceFunction.SPI1_CLOCK);
            SpiConnectionSettings settings = new SpiConnectionSettings(1, setup.GpioOf("rfid_cs"));
            settings.ClockFrequency = SpiClockHz;
            _reader = new MfRc522(SpiDevice.Create(settings), setup.GpioOf("rfid_rst"), gpio, false);
        }

        /// <summary>Waits up to <paramref name="timeoutMs"/> for a card. Returns its UID as hex (or
        /// null when there is none); <paramref name="permit"/> is null for an unknown card.</summary>
        public string TryRead(int timeoutMs, out string permit)
        {
            permit = null;
            Data106kbpsTypeA card;
            if (!_reader.ListenToCardIso14443TypeA(out card, TimeSpan.FromTicks((long)timeoutMs * TimeSpan.TicksPerMillisecond)))
            {
                return null;
            }
            string uid = DeviceSetup.UidToHex(card.NfcId, card.NfcId.Length);
            permit = _setup.PermitFor(uid);
            return uid;
        }
    }
}
