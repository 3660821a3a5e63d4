using System.Threading.Channels;
using Commons.Metering.Gateway.Ingest;
using Commons.Metering.Gateway.Ingest.Confirmations;
using Commons.Metering.Gateway.Ledger;
using Commons.Metering.Gateway.Telemetry;
using Commons.Metering.Gateway.Tests.Telemetry;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using static Commons.Metering.Gateway.Tests.Ingest.Confirmations.ConfirmationTestSupport;
using Commons.Metering.Gateway.Domain;

namespace Commons.Metering.Gateway.Tests.Ingest.Confirmations;

/// <summary>The sender loop with a fake publisher (the broker seam) and the fake clock.</summary>
public sealed class ConfirmationSenderTests
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(10); // a hang guard, not a timing

    private static readonly MeterInfo M1 = new("m1", "c1", Resource.Water);

    [Fact]
    public async Task Sends_TheHelloAtOnce_AndAHeldConfirmationWhenTheClockReachesItsRelease_CountingBoth()
    {
        var time = new FakeTimeProvider(GatewayHarness.Start);
        var hub = new ConfirmationHub(time);
        var publisher = new RecordingPublisher();
        using var exporter = new MeterExporter();
        var metrics = new ConfirmationMetrics(exporter);
        using var sender = new ConfirmationSender(hub, publisher, metrics, time, NullLogger<ConfirmationSender>.Instance);
        await sender.StartAsync(CancellationToken.None);
        try
        {
            hub.StatusSeen("c1", "m1", new DeviceStatus("online", null, null, null, null, null, 1));
            var hello = await publisher.Sent.Reader.ReadAsync().AsTask().WaitAsync(Guard);
            Assert.Equal(("m1", "commons/v1/c1/m1/down/confirm"), (hello.Meter, hello.Topic));
            Assert.Empty(Seqs(hello.Payload));

            hub.Hold("m1", time.GetUtcNow().AddSeconds(1));
            hub.BatchCommitted([new LedgerDone(new ReadingWrite(M1, new Reading(7, 0, [new ChannelRegister("main", Resource.Water, 1)], null), 0), LedgerOutcome.Committed)]);
            var held = publisher.Sent.Reader.ReadAsync().AsTask();
            // Advanced until the sender's timer fires: it must be waiting on the clock, not sending at once.
            while (!held.IsCompleted && time.GetUtcNow() < GatewayHarness.Start.AddSeconds(2))
            {
                await Task.Yield();
                time.Advance(TimeSpan.FromMilliseconds(100));
                await Task.WhenAny(held, Task.Delay(20));
            }
            var confirmation = await held.WaitAsync(Guard);
            Assert.True(time.GetUtcNow() >= GatewayHarness.Start.AddSeconds(1), $"sent at {time.GetUtcNow():O}, before its release");
            Assert.Equal([7, 7], Seqs(confirmation.Payload));
            Assert.Equal(2, await exporter.ValueAsync("metering_confirmations_sent_total"));
            Assert.Equal(1, await exporter.ValueAsync("metering_confirmed_seqs_total"));
        }
        finally
        {
            await sender.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task BrokerThatCannotTakeIt_CountsItUnsent_AndTheLoopGoesOn()
    {
        var time = new FakeTimeProvider(GatewayHarness.Start);
        var hub = new ConfirmationHub(time);
        var publisher = new RecordingPublisher { CanPublish = false };
        using var exporter = new MeterExporter();
        var metrics = new ConfirmationMetrics(exporter);
        using var sender = new ConfirmationSender(hub, publisher, metrics, time, NullLogger<ConfirmationSender>.Instance);
        await sender.StartAsync(CancellationToken.None);
        try
        {
            hub.StatusSeen("c1", "m1", new DeviceStatus("online", null, null, null, null, null, 1));
            while (await exporter.ValueAsync("metering_confirmations_unsent_total") < 1) await Task.Delay(10).WaitAsync(Guard);
            publisher.CanPublish = true;
            hub.StatusSeen("c1", "m1", new DeviceStatus("online", null, null, null, null, null, 1));
            await publisher.Sent.Reader.ReadAsync().AsTask().WaitAsync(Guard);
            // The sender counts a confirmation sent after the publish returns, so after the publisher saw it.
            Assert.True(await Testing.Poll.UntilAsync(async () => await exporter.ValueAsync("metering_confirmations_sent_total") >= 1, Guard), "the sent confirmation was not counted");
            Assert.Equal((1, 1), (await exporter.ValueAsync("metering_confirmations_unsent_total"), await exporter.ValueAsync("metering_confirmations_sent_total")));
        }
        finally
        {
            await sender.StopAsync(CancellationToken.None);
        }
    }

    private sealed class RecordingPublisher : IConfirmationPublisher
    {
        public Channel<Confirmation> Sent { get; } = Channel.CreateUnbounded<Confirmation>();
        public volatile bool CanPublishValue = true;

        public bool CanPublish
        {
            get => CanPublishValue;
            set => CanPublishValue = value;
        }

        public Task PublishConfirmationAsync(string meter, string topic, byte[] payload, CancellationToken cancellationToken)
        {
            Sent.Writer.TryWrite(new Confirmation(meter, topic, payload, 0));
            return Task.CompletedTask;
        }
    }
}
