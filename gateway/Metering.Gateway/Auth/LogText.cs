using System.Globalization;
using System.Text;

namespace Commons.Metering.Gateway.Auth;

/// <summary>Text from a request made safe for a log line: control characters (a \r or \n forges a
/// new line), bidirectional overrides (U+202E shows "txt.exe" as "exe.txt") and zero-width characters
/// (two names that look the same) are written as \uXXXX, and the length is capped.</summary>
internal static class LogText
{
    /// <summary>Longer text in a log line is noise or an attack; names and labels are at most 64 characters.</summary>
    public const int MaxLength = 80;

    public static string Safe(string? text)
    {
        if (text is null) return "(none)";
        var cut = text.Length > MaxLength;
        var sb = new StringBuilder(Math.Min(text.Length, MaxLength) + 8);
        foreach (var c in cut ? text[..MaxLength] : text)
        {
            if (IsHidden(c)) sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
            else sb.Append(c);
        }
        return cut ? sb.Append("...").ToString() : sb.ToString();
    }

    /// <summary>Control, format (bidi, zero-width: Unicode category Cf), line and paragraph separators.</summary>
    public static bool IsHidden(char c) =>
        char.IsControl(c) ||
        CharUnicodeInfo.GetUnicodeCategory(c) is UnicodeCategory.Format or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator;

    public static bool HasHidden(string text) => text.Any(IsHidden);
}
