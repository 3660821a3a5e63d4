using System.Device.I2c;

namespace Commons.Metering.Tests.Drivers;

/// <summary>An I2C chip behind System.Device.I2c's own <see cref="I2cDevice"/> API: 16-bit big-endian
/// registers behind a pointer byte (ADS1115, INA219). <see cref="Compute"/> models what the chip
/// computes on a read; <see cref="Unplugged"/> makes every transfer fail as the Linux driver does
/// when nothing acknowledges (IOException).</summary>
internal sealed class RegisterChip(int address) : I2cDevice
{
    private byte _pointer;

    public Dictionary<byte, int> Registers { get; } = new();
    public List<byte[]> Writes { get; } = new();
    public Func<byte, int, int>? Compute { get; set; }
    public bool Unplugged { get; set; }

    public override I2cConnectionSettings ConnectionSettings { get; } = new(1, address);

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        if (Unplugged) throw new IOException("no acknowledge");
        Writes.Add(buffer.ToArray());
        _pointer = buffer[0];
        if (buffer.Length == 3) Registers[_pointer] = (buffer[1] << 8) | buffer[2];
    }

    public override void WriteRead(ReadOnlySpan<byte> writeBuffer, Span<byte> readBuffer)
    {
        if (Unplugged) throw new IOException("no acknowledge");
        _pointer = writeBuffer[0];
        int value = Registers.GetValueOrDefault(_pointer);
        if (Compute != null) value = Compute(_pointer, value);
        readBuffer[0] = (byte)(value >> 8);
        readBuffer[1] = (byte)value;
    }

    public override void Read(Span<byte> buffer) => throw new NotSupportedException("the drivers read through WriteRead");
    public override byte ReadByte() => throw new NotSupportedException("the drivers read through WriteRead");
    public override void WriteByte(byte value) => Write([value]);
}
