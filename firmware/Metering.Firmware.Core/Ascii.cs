namespace Commons.Metering.Firmware
{
    /// <summary>ASCII helpers. nanoFramework's mscorlib has no System.Text.Encoding, and every string
    /// the wire carries is ASCII by contract (docs/protocol.md), so bytes are written by hand.</summary>
    internal static class Ascii
    {
        public static byte[] Bytes(string text)
        {
            byte[] bytes = new byte[text.Length];
            for (int i = 0; i < text.Length; i++)
            {
                bytes[i] = (byte)text[i];
            }
            return bytes;
        }

        public static string ToText(byte[] bytes, int index, int count)
        {
            char[] chars = new char[count];
            for (int i = 0; i < count; i++)
            {
                chars[i] = (char)bytes[index + i];
            }
            return new string(chars);
        }

        /// <summary>True when the first <paramref name="keyLength"/> chars of <paramref name="key"/>
        /// (a JSON key just read) are exactly <paramref name="name"/>.</summary>
        public static bool KeyIs(char[] key, int keyLength, string name)
        {
            if (keyLength != name.Length)
            {
                return false;
            }
            for (int i = 0; i < keyLength; i++)
            {
                if (key[i] != name[i])
                {
                    return false;
                }
            }
            return true;
        }

        public static bool IsLowerOrDigit(char c)
        {
            return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
        }

        public static bool IsLetterOrDigit(char c)
        {
            return IsLowerOrDigit(c) || (c >= 'A' && c <= 'Z');
        }

        /// <summary>^[a-z0-9][a-z0-9_-]{0,47}$ (community and meter ids).</summary>
        public static bool IsId(string text)
        {
            if (text == null || text.Length == 0 || text.Length > Limits.MaxIdLength || !IsLowerOrDigit(text[0]))
            {
                return false;
            }
            for (int i = 1; i < text.Length; i++)
            {
                char c = text[i];
                if (!IsLowerOrDigit(c) && c != '_' && c != '-')
                {
                    return false;
                }
            }
            return true;
        }

        /// <summary>^[a-z0-9][a-z0-9_]{0,31}$ (channel names).</summary>
        public static bool IsChannelName(string text)
        {
            if (text == null || text.Length == 0 || text.Length > Limits.MaxChannelNameLength || !IsLowerOrDigit(text[0]))
            {
                return false;
            }
            for (int i = 1; i < text.Length; i++)
            {
                char c = text[i];
                if (!IsLowerOrDigit(c) && c != '_')
                {
                    return false;
                }
            }
            return true;
        }

        /// <summary>^[A-Za-z0-9_-]{1,32}$ (command ids and permits).</summary>
        public static bool IsToken(string text)
        {
            if (text == null || text.Length == 0 || text.Length > Limits.MaxCidLength)
            {
                return false;
            }
            for (int i = 0; i < text.Length; i++)
            {
                char c = text[i];
                if (!IsLetterOrDigit(c) && c != '_' && c != '-')
                {
                    return false;
                }
            }
            return true;
        }

        /// <summary>Printable ASCII without the two characters JSON would need to escape.</summary>
        public static bool IsPlainText(string text, int maxLength)
        {
            if (text == null || text.Length > maxLength)
            {
                return false;
            }
            for (int i = 0; i < text.Length; i++)
            {
                char c = text[i];
                if (c < ' ' || c > '~' || c == '"' || c == '\\')
                {
                    return false;
                }
            }
            return true;
        }
    }
}
