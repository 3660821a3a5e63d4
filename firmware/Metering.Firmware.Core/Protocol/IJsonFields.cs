namespace Commons.Metering.Firmware.Protocol
{
    /// <summary>What a downlink parser does with each field of a flat JSON object that
    /// <see cref="JsonCursor.ReadObject"/> walks: an interface rather than a delegate so that no
    /// closure is allocated per parse on the device.</summary>
    internal interface IJsonFields
    {
        /// <summary>Reads the value of the field whose key is the first <paramref name="keyLength"/>
        /// chars of the key buffer; false only when the JSON itself is malformed.</summary>
        bool ReadField(int keyLength);
    }
}
