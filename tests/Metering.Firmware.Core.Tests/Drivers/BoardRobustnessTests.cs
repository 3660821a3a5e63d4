using Commons.Metering.Firmware;
using Commons.Metering.Firmware.Drivers;
using Commons.Metering.Firmware.Platform;
using Commons.Metering.Tests.Doubles;

namespace Commons.Metering.Tests.Drivers;

/// <summary>The board-side decisions that keep an ESP32 alive and counting: connecting off the
/// main loop, room for commands in M2Mqtt's queue, the HX711 clock limit, the native debounce.</summary>
public sealed class BoardRobustnessTests
{
    [Fact]
    public void A_connect_attempt_reports_running_until_its_work_ends()
    {
        using var release = new ManualResetEventSlim();
        var attempt = new ConnectAttempt(() => release.Wait(TimeSpan.FromMinutes(1)));
        Assert.Equal(ConnectAttempt.Running, attempt.Wait(0));
        release.Set();
        Assert.Equal(ConnectAttempt.Succeeded, attempt.Wait(60_000)); // returns when the thread ends
    }

    [Fact]
    public void A_connect_attempt_that_throws_has_failed_and_says_why()
    {
        var attempt = new ConnectAttempt(() => throw new IOException("host unreachable"));
        Assert.Equal(ConnectAttempt.Failed, attempt.Wait(60_000));
        Assert.Equal("host unreachable", attempt.Error);
    }

    [Fact]
    public void Background_connect_runs_one_attempt_at_a_time_and_hands_its_result_out_once()
    {
        using var release = new ManualResetEventSlim();
        int started = 0;
        bool Work()
        {
            Interlocked.Increment(ref started);
            return release.Wait(TimeSpan.FromMinutes(1));
        }
        var connector = new BackgroundConnect();
        Assert.Equal(ConnectAttempt.Running, connector.Step(Work, 0));
        Assert.Equal(ConnectAttempt.Running, connector.Step(Work, 0));
        release.Set();
        Assert.Equal(ConnectAttempt.Succeeded, connector.Step(Work, 60_000));
        Assert.False(connector.InProgress);
        Assert.Equal(1, Volatile.Read(ref started));
    }

    /// <summary>A watchdog_ms of 5000 and a broker that never answers: every Tick comes back, so the
    /// loop keeps feeding the watchdog; once the broker answers, the next attempt of the core's
    /// session connects through the same background attempt.</summary>
    [Fact]
    public void A_broker_that_never_answers_does_not_stall_the_loop_or_trip_a_5_s_watchdog()
    {
        var clock = new ManualClock(Rig.Epoch);
        using var broker = new ManualResetEventSlim();
        var transport = new BackgroundTransport(() => broker.Wait(TimeSpan.FromMinutes(1)));
        var device = new MeterDevice(Rig.NewConfig(), clock, new FlashDouble(), transport, new SeededRandom(7));
        device.AddPulseChannel("main", "mL", 1000, 450, 50);
        device.Start();
        var watchdog = new TickWatchdog(5000);
        for (int i = 0; i < 600; i++) // one minute of 100 ms loops
        {
            device.Tick();
            watchdog.Feed(clock.UptimeMs);
            clock.Advance(100);
            Assert.False(watchdog.IsStalled(clock.UptimeMs));
        }
        Assert.False(device.IsConnected);
        Assert.Equal(1, transport.Attempts);

        broker.Set();
        transport.WaitMs = 60_000; // the attempt ends now: let the next Connect see it
        for (int i = 0; i < 3000 && !device.IsConnected; i++)
        {
            device.Tick();
            clock.Advance(100);
        }
        Assert.True(device.IsConnected);
        Assert.Equal(1, transport.Attempts);
    }

    [Fact]
    public void The_mqtt_queue_takes_a_full_inbox_of_commands_while_every_uplink_slot_is_in_use()
    {
        for (int maxInflight = 1; maxInflight <= 8; maxInflight++)
        {
            int uplinks = maxInflight + TransportQueue.StatusMessages + TransportQueue.Subscriptions;
            Assert.True(TransportQueue.InflightCapacity(maxInflight) - uplinks >= Limits.InboxMessages);
        }
    }

    [Fact]
    public void An_hx711_pulse_is_accepted_only_when_its_bound_is_within_the_datasheet_50_us()
    {
        Assert.True(Hx711.PulseWithinLimit(1_000, 1_050));
        Assert.False(Hx711.PulseWithinLimit(1_000, 1_051));
        Assert.True(Hx711.MaxHighUs < Hx711.PowerDownHighUs);
    }

    [Theory]
    [InlineData(0, 0)]
    [InlineData(5, 5)]
    [InlineData(50, 10)]
    [InlineData(100, 10)]
    public void The_native_debounce_is_the_channel_debounce_capped_below_the_shortest_S0_pulse(int debounceMs, int expected)
    {
        Assert.Equal(expected, NativeDebounce.FilterMs(debounceMs));
        Assert.True(NativeDebounce.MaxFilterMs * 3 <= 30); // IEC 62053-31: S0 pulses last >= 30 ms
    }

    /// <summary>Connects the way the ESP32's M2MqttTransport does: through BackgroundConnect, waiting
    /// <see cref="WaitMs"/> per call.</summary>
    private sealed class BackgroundTransport(Func<bool> brokerAnswers) : IMqttTransport
    {
        private readonly BackgroundConnect _connector = new();
        private int _nextId;
        private int _attempts;

        public int WaitMs { get; set; }
        public int Attempts => _attempts;
        public bool IsConnected { get; private set; }

        public bool Connect(string clientId, string willTopic, byte[] willPayload)
        {
            if (!_connector.InProgress)
            {
                _attempts++;
            }
            int state = _connector.Step(() => brokerAnswers(), WaitMs);
            IsConnected = state == ConnectAttempt.Succeeded;
            return IsConnected;
        }

        public void Disconnect()
        {
            _connector.Abandon();
            IsConnected = false;
        }

        public int Publish(string topic, byte[] payload, int count, bool retain) => IsConnected ? ++_nextId : -1;
        public bool Subscribe(string topic) => IsConnected;
        public void SetListener(ITransportListener listener) { }
    }
}
