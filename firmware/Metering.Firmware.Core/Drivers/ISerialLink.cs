namespace Commons.Metering.Firmware.Drivers
{
    /// <summary>A half-duplex byte stream to one serial device (the board's UART). The board
    /// implements it over its own serial port and turns the port's failures into return values:
    /// the drivers in the core never see a platform exception.</summary>
    public interface ISerialLink
    {
        /// <summary>Drops whatever was received and not yet read (a late answer to an earlier request).</summary>
        void DiscardInput();

        /// <summary>Sends <paramref name="count"/> bytes from the start of <paramref name="buffer"/>;
        /// false when the port failed.</summary>
        bool Write(byte[] buffer, int count);

        /// <summary>Reads at most <paramref name="count"/> bytes into <paramref name="buffer"/> at
        /// <paramref name="offset"/>, waiting at most the link's read timeout for the first one.
        /// Returns how many were read: 0 on a timeout or a port failure.</summary>
        int Read(byte[] buffer, int offset, int count);
    }
}
