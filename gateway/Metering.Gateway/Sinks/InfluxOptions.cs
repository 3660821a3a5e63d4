namespace Commons.Metering.Gateway.Sinks;

/// <summary>Which InfluxDB API the gateway writes to.</summary>
public enum InfluxKind
{
    /// <summary>No time-series database: the gateway runs without one.</summary>
    None,

    /// <summary>InfluxDB 1.x: POST {Url}/write?db=..&amp;precision=ms.</summary>
    V1,

    /// <summary>InfluxDB 2.x/3.x (or anything speaking the v2 write API) through InfluxDB.Client.</summary>
    V2,
}

/// <summary>Options of section <c>Metering:Influx</c>; defaults live in <see cref="SinkConstants"/>
/// and are listed in Sinks/README.md.</summary>
public sealed class InfluxOptions
{
    public InfluxKind Kind { get; set; } = SinkConstants.DefaultKind;

    /// <summary>Base URL, e.g. http://127.0.0.1:8086.</summary>
    public string? Url { get; set; }

    /// <summary>V2: API token (secret).</summary>
    public string? Token { get; set; }

    /// <summary>V2: organisation.</summary>
    public string? Org { get; set; }

    /// <summary>V2: bucket.</summary>
    public string? Bucket { get; set; }

    /// <summary>V1: database.</summary>
    public string? Database { get; set; }

    /// <summary>V1: user name (optional; then Password is required too).</summary>
    public string? Username { get; set; }

    /// <summary>V1: password (secret).</summary>
    public string? Password { get; set; }

    /// <summary>Most outbox lines sent in one write request.</summary>
    public int BatchSize { get; set; } = SinkConstants.DefaultBatchSize;

    /// <summary>Pause after a failed drain cycle; once caught up, the longest wait for the ledger's
    /// signal before the outbox is looked at again.</summary>
    public int FlushIntervalMs { get; set; } = SinkConstants.DefaultFlushIntervalMs;

    /// <summary>Once caught up: how long after the ledger committed readings the sink waits for more
    /// before it writes them (0: at once).</summary>
    public int LingerMs { get; set; } = SinkConstants.DefaultLingerMs;

    /// <summary>Timeout of one write request.</summary>
    public int RequestTimeoutMs { get; set; } = SinkConstants.DefaultRequestTimeoutMs;

    /// <summary>Retries of a failed write within one drain cycle (0: none).</summary>
    public int MaxRetryAttempts { get; set; } = SinkConstants.DefaultMaxRetryAttempts;

    /// <summary>First retry delay; doubles each retry, with jitter.</summary>
    public int RetryBaseDelayMs { get; set; } = SinkConstants.DefaultRetryBaseDelayMs;

    /// <summary>Cap of one retry delay.</summary>
    public int RetryMaxDelayMs { get; set; } = SinkConstants.DefaultRetryMaxDelayMs;

    /// <summary>Share of failed write attempts in the sampling window that opens the breaker.</summary>
    public double BreakerFailureRatio { get; set; } = SinkConstants.DefaultBreakerFailureRatio;

    /// <summary>Write attempts needed in the sampling window before the breaker may open.</summary>
    public int BreakerMinimumThroughput { get; set; } = SinkConstants.DefaultBreakerMinimumThroughput;

    /// <summary>Window over which the failure ratio is measured.</summary>
    public int BreakerSamplingDurationMs { get; set; } = SinkConstants.DefaultBreakerSamplingDurationMs;

    /// <summary>How long the breaker stays open before one probe write (half-open).</summary>
    public int BreakerBreakDurationMs { get; set; } = SinkConstants.DefaultBreakerBreakDurationMs;

    /// <summary>The effective configuration as one log line, secrets masked.</summary>
    public string Describe() =>
        string.Join(' ', DescribeFields().Select(f => $"{f.Key}={f.Value}"));

    /// <summary>The effective configuration as name/value pairs, secrets masked, for structured logs.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> DescribeFields()
    {
        var fields = new List<KeyValuePair<string, string>> { new(nameof(Kind), Kind.ToString()) };
        if (Kind == InfluxKind.None) return fields;
        fields.Add(new(nameof(Url), MaskUrl(Url)));
        if (Kind == InfluxKind.V2)
        {
            fields.Add(new(nameof(Token), Secret(Token)));
            fields.Add(new(nameof(Org), Org ?? ""));
            fields.Add(new(nameof(Bucket), Bucket ?? ""));
        }
        else
        {
            fields.Add(new(nameof(Database), Database ?? ""));
            fields.Add(new(nameof(Username), Username ?? ""));
            fields.Add(new(nameof(Password), Secret(Password)));
        }
        fields.Add(new(nameof(BatchSize), Invariant(BatchSize)));
        fields.Add(new(nameof(FlushIntervalMs), Invariant(FlushIntervalMs)));
        fields.Add(new(nameof(LingerMs), Invariant(LingerMs)));
        fields.Add(new(nameof(RequestTimeoutMs), Invariant(RequestTimeoutMs)));
        fields.Add(new(nameof(MaxRetryAttempts), Invariant(MaxRetryAttempts)));
        fields.Add(new(nameof(RetryBaseDelayMs), Invariant(RetryBaseDelayMs)));
        fields.Add(new(nameof(RetryMaxDelayMs), Invariant(RetryMaxDelayMs)));
        fields.Add(new(nameof(BreakerFailureRatio), Invariant(BreakerFailureRatio)));
        fields.Add(new(nameof(BreakerMinimumThroughput), Invariant(BreakerMinimumThroughput)));
        fields.Add(new(nameof(BreakerSamplingDurationMs), Invariant(BreakerSamplingDurationMs)));
        fields.Add(new(nameof(BreakerBreakDurationMs), Invariant(BreakerBreakDurationMs)));
        return fields;
    }

    private static string Secret(string? value) => string.IsNullOrEmpty(value) ? "(unset)" : SinkConstants.Mask;

    private static string Invariant(IFormattable value) =>
        value.ToString(null, System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Masks a password written into a URL (http://user:secret@host), even an unparsable one.</summary>
    internal static string MaskUrl(string? url)
    {
        if (string.IsNullOrEmpty(url)) return "(unset)";
        var at = url.LastIndexOf('@');
        if (at < 0) return url;
        if (Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.UserInfo.Length > 0 && uri.Scheme.StartsWith("http", StringComparison.Ordinal))
        {
            var user = uri.UserInfo.Split(':')[0];
            return new UriBuilder(uri) { UserName = user, Password = SinkConstants.Mask }.Uri.ToString();
        }
        var schemeEnd = url.IndexOf("://", StringComparison.Ordinal);
        var from = schemeEnd >= 0 && schemeEnd < at ? schemeEnd + 3 : 0;
        return url[..from] + SinkConstants.Mask + url[at..];
    }
}
