using Commons.Metering.Gateway.Sinks;

namespace Commons.Metering.Gateway.Tests.Sinks;

public sealed class InfluxOptionsTests
{
    private static IReadOnlyList<string> Errors(InfluxOptions o)
    {
        var result = new InfluxOptionsValidator().Validate(null, o);
        return result.Succeeded ? [] : result.Failures!.ToList();
    }

    [Fact]
    public void Defaults_AreKindNone_AndValid()
    {
        var o = new InfluxOptions();
        Assert.Equal(InfluxKind.None, o.Kind);
        Assert.Empty(Errors(o));
    }

    [Fact]
    public void V2_WithoutUrlTokenOrgBucket_NamesEachMissingKey()
    {
        var errors = Errors(new InfluxOptions { Kind = InfluxKind.V2 });

        Assert.Equal(
        [
            "Metering:Influx:Url is required when Metering:Influx:Kind is V2.",
            "Metering:Influx:Token is required when Metering:Influx:Kind is V2.",
            "Metering:Influx:Org is required when Metering:Influx:Kind is V2.",
            "Metering:Influx:Bucket is required when Metering:Influx:Kind is V2.",
        ], errors);
    }

    [Fact]
    public void V1_WithoutDatabase_NamesDatabase_AndDoesNotAskForV2Fields()
    {
        var errors = Errors(new InfluxOptions { Kind = InfluxKind.V1, Url = "http://127.0.0.1:8086" });

        Assert.Equal(["Metering:Influx:Database is required when Metering:Influx:Kind is V1."], errors);
    }

    [Fact]
    public void V1_UsernameWithoutPassword_IsRefused()
    {
        var errors = Errors(new InfluxOptions { Kind = InfluxKind.V1, Url = "http://h:8086", Database = "m", Username = "gw" });

        Assert.Equal(["Metering:Influx:Username and Metering:Influx:Password must be set together (one of them is empty)."], errors);
    }

    [Theory]
    [InlineData("ftp://gw:s3cret@host/")]
    [InlineData("gw:s3cret@host:8086")]
    public void Url_NotHttp_IsRefused_WithoutEchoingItsPassword(string url)
    {
        var error = Assert.Single(Errors(new InfluxOptions { Kind = InfluxKind.V1, Url = url, Database = "m" }));

        Assert.StartsWith("Metering:Influx:Url must be an absolute http:// or https:// URL", error);
        Assert.DoesNotContain("s3cret", error);
    }

    [Fact]
    public void OutOfRangeNumbers_AreEachNamed()
    {
        var errors = Errors(new InfluxOptions
        {
            BatchSize = 0,
            FlushIntervalMs = 0,
            LingerMs = 50,
            MaxRetryAttempts = -1,
            RetryBaseDelayMs = 5000,
            RetryMaxDelayMs = 1000,
            BreakerFailureRatio = 0,
            BreakerMinimumThroughput = 1,
            BreakerBreakDurationMs = 499,
        });

        Assert.Equal(
        [
            "Metering:Influx:BatchSize must be between 1 and 50000 (was 0).",
            "Metering:Influx:FlushIntervalMs must be at least 1 (was 0).",
            "Metering:Influx:LingerMs must be between 0 and 0 (was 50).",
            "Metering:Influx:MaxRetryAttempts must be between 0 and 100 (was -1).",
            "Metering:Influx:RetryMaxDelayMs (1000) must not be below Metering:Influx:RetryBaseDelayMs (5000).",
            "Metering:Influx:BreakerFailureRatio must be above 0 and at most 1 (was 0).",
            "Metering:Influx:BreakerMinimumThroughput must be at least 2 (was 1).",
            "Metering:Influx:BreakerBreakDurationMs must be at least 500 (was 499).",
        ], errors);
    }

    [Fact]
    public void Describe_MasksTokenPasswordAndUrlPassword()
    {
        var v2 = new InfluxOptions { Kind = InfluxKind.V2, Url = "https://ops:urlpass@influx.example:8086", Token = "tok-123", Org = "commons", Bucket = "metering" };
        var v1 = new InfluxOptions { Kind = InfluxKind.V1, Url = "http://127.0.0.1:8086", Database = "m", Username = "gw", Password = "pw-456" };

        var d2 = v2.Describe();
        var d1 = v1.Describe();

        Assert.DoesNotContain("tok-123", d2);
        Assert.DoesNotContain("urlpass", d2);
        Assert.Contains("Token=***", d2);
        Assert.Contains("Org=commons", d2);
        Assert.Contains("Bucket=metering", d2);
        Assert.DoesNotContain("pw-456", d1);
        Assert.Contains("Password=***", d1);
        Assert.Contains("Username=gw", d1);
        Assert.Contains("BatchSize=5000", d1);
        Assert.Equal("Kind=None", new InfluxOptions().Describe());
    }
}
