namespace Commons.Metering.Firmware.Drivers
{
    /// <summary>One device on an I2C bus (its 7-bit address is the board's business). The board
    /// implements it over its own I2C controller and turns bus failures (no acknowledge, a stuck
    /// bus) into false: the drivers in the core never see a platform exception.</summary>
    public interface II2cLink
    {
        /// <summary>Sends the first <paramref name="count"/> bytes of <paramref name="buffer"/> in one
        /// write transaction; false when the device did not acknowledge all of them.</summary>
        bool Write(byte[] buffer, int count);

        /// <summary>Writes the first <paramref name="writeCount"/> bytes of <paramref name="write"/>,
        /// then (repeated start) reads <paramref name="readCount"/> bytes into the start of
        /// <paramref name="read"/>; false when either part failed.</summary>
        bool WriteRead(byte[] write, int writeCount, byte[] read, int readCount);
    }
}
