using Microsoft.Extensions.Options;

namespace Commons.Metering.Gateway.Sinks;

/// <summary>Checks <see cref="InfluxOptions"/> at start; each message names the full configuration key.</summary>
internal sealed class InfluxOptionsValidator : IValidateOptions<InfluxOptions>
{
    private const string P = SinkConstants.SectionName + ":";

    public ValidateOptionsResult Validate(string? name, InfluxOptions o)
    {
        var errors = new List<string>();
        if (!Enum.IsDefined(o.Kind))
            errors.Add($"{P}Kind must be None, V1 or V2 (was {(int)o.Kind}).");
        if (o.Kind != InfluxKind.None)
        {
            if (string.IsNullOrWhiteSpace(o.Url))
                errors.Add($"{P}Url is required when {P}Kind is {o.Kind}.");
            else if (!Uri.TryCreate(o.Url, UriKind.Absolute, out var uri) || (uri.Scheme != "http" && uri.Scheme != "https"))
                errors.Add($"{P}Url must be an absolute http:// or https:// URL (was '{InfluxOptions.MaskUrl(o.Url)}').");
        }
        if (o.Kind == InfluxKind.V2)
        {
            Require(errors, o.Token, "Token", "V2");
            Require(errors, o.Org, "Org", "V2");
            Require(errors, o.Bucket, "Bucket", "V2");
        }
        if (o.Kind == InfluxKind.V1)
        {
            Require(errors, o.Database, "Database", "V1");
            if (string.IsNullOrEmpty(o.Username) != string.IsNullOrEmpty(o.Password))
                errors.Add($"{P}Username and {P}Password must be set together (one of them is empty).");
        }
        Range(errors, "BatchSize", o.BatchSize, 1, SinkConstants.MaxBatchSize);
        Range(errors, "FlushIntervalMs", o.FlushIntervalMs, 1, int.MaxValue);
        Range(errors, "LingerMs", o.LingerMs, 0, Math.Max(0, o.FlushIntervalMs));
        Range(errors, "RequestTimeoutMs", o.RequestTimeoutMs, 1, int.MaxValue);
        Range(errors, "MaxRetryAttempts", o.MaxRetryAttempts, 0, 100);
        Range(errors, "RetryBaseDelayMs", o.RetryBaseDelayMs, 0, int.MaxValue);
        Range(errors, "RetryMaxDelayMs", o.RetryMaxDelayMs, 0, int.MaxValue);
        if (o.RetryMaxDelayMs < o.RetryBaseDelayMs)
            errors.Add($"{P}RetryMaxDelayMs ({o.RetryMaxDelayMs}) must not be below {P}RetryBaseDelayMs ({o.RetryBaseDelayMs}).");
        if (!(o.BreakerFailureRatio > 0 && o.BreakerFailureRatio <= 1))
            errors.Add($"{P}BreakerFailureRatio must be above 0 and at most 1 (was {o.BreakerFailureRatio}).");
        Range(errors, "BreakerMinimumThroughput", o.BreakerMinimumThroughput, 2, int.MaxValue);
        Range(errors, "BreakerSamplingDurationMs", o.BreakerSamplingDurationMs, SinkConstants.MinBreakerDurationMs, int.MaxValue);
        Range(errors, "BreakerBreakDurationMs", o.BreakerBreakDurationMs, SinkConstants.MinBreakerDurationMs, int.MaxValue);
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static void Require(List<string> errors, string? value, string field, string kind)
    {
        if (string.IsNullOrWhiteSpace(value)) errors.Add($"{P}{field} is required when {P}Kind is {kind}.");
    }

    private static void Range(List<string> errors, string field, int value, int min, int max)
    {
        if (value < min || value > max)
            errors.Add(max == int.MaxValue
                ? $"{P}{field} must be at least {min} (was {value})."
                : $"{P}{field} must be between {min} and {max} (was {value}).");
    }
}
