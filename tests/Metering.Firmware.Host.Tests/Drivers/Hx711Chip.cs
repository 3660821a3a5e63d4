using System.Device.Gpio;

namespace Commons.Metering.Tests.Drivers;

/// <summary>The HX711's serial interface as its datasheet draws it ("Serial interface", timing
/// figure): DOUT high while no conversion is ready, low when one is; each PD_SCK rising edge
/// shifts out the next of 24 bits, MSB first, two's complement; the 25th pulse pulls DOUT high
/// again, and 25/26/27 pulses in all select gain 128/32/64 for the next conversion. Conversions
/// come from a queue; the next becomes ready once DOUT has been read high after a read ended.</summary>
internal sealed class Hx711Chip(int doutPin, int sckPin) : IPinDevice
{
    private readonly Queue<int> _conversions = new();
    private readonly object _gate = new();
    private int _pulses = -1; // -1: no read under way
    private bool _sawHighAfterRead;
    private PinValue _sck = PinValue.Low;

    /// <summary>PD_SCK pulses of each finished read (24 data bits + the gain selection).</summary>
    public List<int> PulsesPerRead { get; } = [];

    /// <summary>Queues conversions as the chip's 24-bit output codes (0x000000..0xFFFFFF).</summary>
    public void Enqueue(params int[] raw24)
    {
        lock (_gate) foreach (var r in raw24) _conversions.Enqueue(r & 0xFFFFFF);
    }

    public PinValue? Read(int pin)
    {
        if (pin != doutPin) return null;
        lock (_gate)
        {
            if (_pulses < 0) return _conversions.Count > 0 ? PinValue.Low : PinValue.High; // ready?
            if (_pulses <= 24) return ((_conversions.Peek() >> (24 - _pulses)) & 1) == 1 ? PinValue.High : PinValue.Low;
            if (_sawHighAfterRead) Finish(); // read high once already: this read looks for the next conversion
            else
            {
                _sawHighAfterRead = true;
                return PinValue.High;
            }
            return _conversions.Count > 0 ? PinValue.Low : PinValue.High;
        }
    }

    public void Write(int pin, PinValue value)
    {
        if (pin != sckPin) return;
        lock (_gate)
        {
            var rising = _sck == PinValue.Low && value == PinValue.High;
            _sck = value;
            if (!rising) return;
            if (_pulses < 0)
            {
                if (_conversions.Count == 0) return; // clocking while not ready: ignored
                _pulses = 0;
            }
            _pulses++;
            _sawHighAfterRead = false;
        }
    }

    private void Finish()
    {
        PulsesPerRead.Add(_pulses);
        _conversions.Dequeue();
        _pulses = -1;
        _sawHighAfterRead = false;
    }
}
