using Commons.Metering.Gateway.Sinks;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Commons.Metering.Gateway.Tests.Sinks;

public sealed class SinkServiceCollectionTests : IDisposable
{
    private readonly SinkOutboxDb _db = new();

    public void Dispose() => _db.Dispose();

    private IHost Host(Dictionary<string, string?> settings)
    {
        settings["Metering:Storage:DataDirectory"] = _db.Directory;
        var builder = new HostApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddSingleton<TimeProvider>(new FakeTimeProvider());
        builder.Services.AddMeteringSinks(builder.Configuration);
        return builder.Build();
    }

    [Fact]
    public async Task KindNone_GatewayStartsWithoutInfluxDB_ReportsNoSink_AndPrunesTheOutbox()
    {
        _db.AppendReadings(25);
        using var host = Host(new() { ["Metering:Influx:Kind"] = "None" });

        await host.StartAsync();
        var status = host.Services.GetRequiredService<ISinkStatus>();

        Assert.Empty(status.Snapshot());
        // The first cycle runs at start on the service's own thread (the fake clock holds the next).
        Assert.True(await Sinks.Eventually(() => _db.OutboxIds().Count == 0), "outbox was not pruned");
        await host.StopAsync();
    }

    [Fact]
    public async Task KindV2_RegistersTheInfluxSink_ClosedAndEmpty()
    {
        using var host = Host(new()
        {
            ["Metering:Influx:Kind"] = "V2",
            ["Metering:Influx:Url"] = "http://127.0.0.1:9",
            ["Metering:Influx:Token"] = "t",
            ["Metering:Influx:Org"] = "o",
            ["Metering:Influx:Bucket"] = "b",
            ["Metering:Influx:BatchSize"] = "123",
        });

        var snapshot = Assert.Single(host.Services.GetRequiredService<ISinkStatus>().Snapshot());
        var options = host.Services.GetRequiredService<IOptions<InfluxOptions>>().Value;

        Assert.Equal(new SinkSnapshot("influx", 0, "closed", 0, 0, null), snapshot);
        Assert.Equal(123, options.BatchSize);
        Assert.Equal(Path.Combine(_db.Directory, "metering.db"), host.Services.GetRequiredService<SinkSet>().Outbox.Location);
    }

    [Fact]
    public async Task InvalidOptions_FailTheStart_NamingTheKey()
    {
        using var host = Host(new() { ["Metering:Influx:Kind"] = "V1", ["Metering:Influx:Url"] = "http://127.0.0.1:9" });

        var e = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains("Metering:Influx:Database is required when Metering:Influx:Kind is V1.", e.Message);
    }
}
