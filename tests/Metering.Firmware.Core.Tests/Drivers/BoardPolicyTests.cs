using Commons.Metering.Firmware.Drivers;

namespace Commons.Metering.Tests.Drivers;

/// <summary>The two timing decisions the ESP32 board takes: reboot a stalled loop, end a wake.</summary>
public sealed class BoardPolicyTests
{
    [Fact]
    public void Watchdog_does_not_judge_a_board_that_has_not_ticked_yet()
    {
        var watchdog = new TickWatchdog(60_000);
        Assert.False(watchdog.IsStalled(10_000_000));
    }

    [Fact]
    public void Watchdog_reports_a_stall_only_past_the_timeout_since_the_last_feed()
    {
        var watchdog = new TickWatchdog(60_000);
        watchdog.Feed(1_000);
        Assert.False(watchdog.IsStalled(61_000));
        Assert.True(watchdog.IsStalled(61_001));
        watchdog.Feed(61_500);
        Assert.False(watchdog.IsStalled(100_000));
    }

    [Fact]
    public void A_wake_ends_once_the_outbox_is_acknowledged_on_a_live_connection()
    {
        var window = new AwakeWindow(60_000);
        Assert.False(window.ShouldSleep(5_000, outboxDepth: 2, connected: true, busy: false));
        Assert.False(window.ShouldSleep(5_000, outboxDepth: 0, connected: false, busy: false));
        Assert.False(window.ShouldSleep(5_000, outboxDepth: 0, connected: true, busy: true));
        Assert.True(window.ShouldSleep(5_000, outboxDepth: 0, connected: true, busy: false));
    }

    [Fact]
    public void A_wake_never_ends_in_its_first_moments_and_always_ends_at_the_maximum()
    {
        var window = new AwakeWindow(60_000);
        Assert.False(window.ShouldSleep(500, outboxDepth: 0, connected: true, busy: false));
        Assert.True(window.ShouldSleep(60_000, outboxDepth: 40, connected: false, busy: true));
    }
}
