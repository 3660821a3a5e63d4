namespace Commons.Metering.Gateway.Auth;

/// <summary>The languages the dashboard speaks: one message catalogue each in
/// Dashboard/assets/i18n/{code}.json (a test keeps this list and the catalogues the same).</summary>
public static class Languages
{
    /// <summary>ISO 639-1 codes; English is the catalogue every other falls back to.</summary>
    public static readonly IReadOnlyList<string> Supported = ["en", "es"];

    public static bool IsSupported(string? code) => code is not null && Supported.Contains(code, StringComparer.Ordinal);
}
