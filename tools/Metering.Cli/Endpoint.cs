using System.Globalization;

namespace Commons.Metering.Cli;

/// <summary>host:port of an MQTT broker.</summary>
internal readonly record struct Endpoint(string Host, int Port)
{
    public static bool TryParse(string? s, out Endpoint endpoint)
    {
        endpoint = default;
        if (string.IsNullOrWhiteSpace(s)) return false;
        var colon = s.LastIndexOf(':');
        if (colon <= 0) return false;
        if (!int.TryParse(s[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535) return false;
        endpoint = new Endpoint(s[..colon].Trim('[', ']'), port);
        return true;
    }

    /// <summary>An absolute http or https URL, with a trailing slash so relative API paths append.</summary>
    public static bool TryParseUrl(string? s, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Uri? url)
    {
        url = null;
        if (!Uri.TryCreate(s, UriKind.Absolute, out var u) || (u.Scheme != Uri.UriSchemeHttp && u.Scheme != Uri.UriSchemeHttps)) return false;
        url = u.AbsoluteUri.EndsWith('/') ? u : new Uri(u.AbsoluteUri + "/");
        return true;
    }

    public override string ToString() => $"{Host}:{Port}";
}
