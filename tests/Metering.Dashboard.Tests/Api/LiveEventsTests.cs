using System.Diagnostics;

namespace Commons.Metering.Dashboard.Tests.Api;

/// <summary>GET /api/v1/events: a reading reaches the open stream within 2 s of its commit, with its
/// registers for its own household and stripped of meter and registers for another one.</summary>
[Trait("Category", "Integration")]
public sealed class LiveEventsTests(PolicyGateway gw, Xunit.Abstractions.ITestOutputHelper output) : IClassFixture<PolicyGateway>
{
    [Fact]
    public async Task Reading_ReachesTheOwnMembersStreamWithin2s_AndOtherMembersSeeOnlyThatSomethingCame()
    {
        await gw.PublishReadingAsync("w-h02", 1, DateTimeOffset.UtcNow, ("main", 0)); // connects the device: not part of the latency
        using var own = await gw.SignInAsync("member-h01");
        using var other = await gw.SignInAsync("member-h02");
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var ownLines = await OpenAsync(own, cts.Token);
        var otherLines = await OpenAsync(other, cts.Token);
        await Task.Delay(300); // both subscribed before the reading

        var watch = Stopwatch.StartNew();
        await gw.PublishReadingAsync("w-h01", 7, DateTimeOffset.UtcNow, ("kitchen", 424_242), ("garden", 1));
        var ownEvent = await NextReadingAsync(ownLines, cts.Token);
        var latency = watch.Elapsed;
        output.WriteLine($"publish (PUBACK = committed) to event on the member's stream: {latency.TotalMilliseconds:F0} ms");
        Assert.True(latency < TimeSpan.FromSeconds(2), $"reading took {latency.TotalMilliseconds:F0} ms");
        Assert.Contains("\"meter\":\"w-h01\"", ownEvent);
        Assert.Contains("424242", ownEvent);
        var otherEvent = await NextReadingAsync(otherLines, cts.Token);
        Assert.DoesNotContain("w-h01", otherEvent);
        Assert.DoesNotContain("424242", otherEvent);
    }

    private static async Task<StreamReader> OpenAsync(HttpClient http, CancellationToken ct)
    {
        var response = await http.GetAsync("api/v1/events", HttpCompletionOption.ResponseHeadersRead, ct);
        response.EnsureSuccessStatusCode();
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        return new StreamReader(await response.Content.ReadAsStreamAsync(ct));
    }

    /// <summary>The data line of the next "reading" event.</summary>
    private static async Task<string> NextReadingAsync(StreamReader reader, CancellationToken ct)
    {
        var isReading = false;
        while (await reader.ReadLineAsync(ct) is { } line)
        {
            if (line.StartsWith("event:", StringComparison.Ordinal)) isReading = line.EndsWith("reading", StringComparison.Ordinal);
            else if (isReading && line.StartsWith("data:", StringComparison.Ordinal)) return line;
        }
        throw new InvalidOperationException("the event stream ended");
    }
}
