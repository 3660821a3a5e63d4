using System.Net.Http.Json;
using System.Text.Json;

namespace Commons.Metering.Dashboard.Tests.Api;

/// <summary>Devices as operations see them: last seen is the newest reading or status (not the
/// start-up status), offline devices come first, and the overview counts them the same way.</summary>
[Trait("Category", "Integration")]
public sealed class DevicesApiTests(PolicyGateway gw) : IClassFixture<PolicyGateway>
{
    private static async Task<JsonElement[]> DevicesAsync(HttpClient http) =>
        (await http.GetFromJsonAsync<JsonElement>("api/v1/devices")).EnumerateArray().ToArray();

    private static JsonElement Device(JsonElement[] devices, string id) => devices.Single(d => d.GetProperty("id").GetString() == id);

    [Fact]
    public async Task LastSeen_IsTheNewestReading_OfflineDevicesComeFirst_AndTheOverviewCountsTheSame()
    {
        using var tech = await gw.SignInAsync("tech");
        await gw.PublishReadingAsync("w-h01", 1, DateTimeOffset.UtcNow, ("kitchen", 100), ("garden", 0));
        await gw.PublishStatusAsync("w-h01", "online");
        Assert.True(await DashboardGateway.EventuallyAsync(async () =>
            (await DevicesAsync(tech)).Any(d => d.GetProperty("id").GetString() == "w-h01" && d.GetProperty("firmware").GetString() == "1.0.0"), TimeSpan.FromSeconds(5)));

        // Readings keep coming after the start-up status: last seen follows them.
        await Task.Delay(20);
        var beforeReading = DateTimeOffset.UtcNow;
        await gw.PublishReadingAsync("w-h01", 2, DateTimeOffset.UtcNow, ("kitchen", 200), ("garden", 0));
        Assert.True(await DashboardGateway.EventuallyAsync(async () =>
            Device(await DevicesAsync(tech), "w-h01").GetProperty("lastSeen").GetDateTimeOffset() >= beforeReading.AddMilliseconds(-5), TimeSpan.FromSeconds(5)),
            "last seen stayed at the start-up status: " + Device(await DevicesAsync(tech), "w-h01"));

        // w-h02 went away (its last will): offline, listed first.
        await gw.PublishReadingAsync("w-h02", 1, DateTimeOffset.UtcNow, ("main", 5));
        await gw.PublishStatusAsync("w-h02", "offline");
        Assert.True(await DashboardGateway.EventuallyAsync(async () =>
            !Device(await DevicesAsync(tech), "w-h02").GetProperty("online").GetBoolean(), TimeSpan.FromSeconds(5)));
        var devices = await DevicesAsync(tech);
        Assert.Equal("w-h02", devices[0].GetProperty("id").GetString());
        Assert.Equal("offline", devices[0].GetProperty("state").GetString());
        Assert.True(Device(devices, "w-h01").GetProperty("online").GetBoolean());
        var online = devices.Select(d => d.GetProperty("online").GetBoolean()).ToList();
        Assert.Equal(online.OrderBy(o => o), online);

        var overview = await tech.GetFromJsonAsync<JsonElement>("api/v1/overview");
        Assert.Equal(devices.Length, overview.GetProperty("devicesTotal").GetInt32());
        Assert.Equal(devices.Count(d => !d.GetProperty("online").GetBoolean()), overview.GetProperty("devicesOffline").GetInt32());
    }
}
