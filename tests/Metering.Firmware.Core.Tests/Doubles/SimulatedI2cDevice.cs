using Commons.Metering.Firmware.Drivers;

namespace Commons.Metering.Tests.Doubles;

/// <summary>An I2C device with 16-bit big-endian registers behind a pointer byte (the ADS1115 and
/// INA219 register interface): a write of [pointer, msb, lsb] sets a register, a write of [pointer]
/// followed by a read returns it. <see cref="OnWrite"/> and <see cref="OnRead"/> let a test model
/// the chip's own behaviour (a conversion that completes, a register the chip computes).</summary>
public sealed class SimulatedI2cDevice : II2cLink
{
    public Dictionary<byte, int> Registers { get; } = new();
    public List<byte[]> Writes { get; } = new();
    public bool Fails { get; set; }
    public Action<byte, int>? OnWrite { get; set; }
    public Func<byte, int, int>? OnRead { get; set; }

    public bool Write(byte[] buffer, int count)
    {
        if (Fails) return false;
        Writes.Add(buffer[..count]);
        if (count != 3) throw new InvalidOperationException($"a register write is 3 bytes, got {count}");
        int value = (buffer[1] << 8) | buffer[2];
        Registers[buffer[0]] = value;
        OnWrite?.Invoke(buffer[0], value);
        return true;
    }

    public bool WriteRead(byte[] write, int writeCount, byte[] read, int readCount)
    {
        if (Fails) return false;
        if (writeCount != 1 || readCount != 2) throw new InvalidOperationException("a register read is pointer + 2 bytes");
        byte pointer = write[0];
        int value = Registers.GetValueOrDefault(pointer);
        if (OnRead != null) value = OnRead(pointer, value);
        read[0] = (byte)(value >> 8);
        read[1] = (byte)value;
        return true;
    }
}

/// <summary>Counts the waits a driver asks for instead of taking them.</summary>
public sealed class CountingDelay : IDelay
{
    public int TotalMs { get; private set; }
    public void SleepMs(int milliseconds) => TotalMs += milliseconds;
}
