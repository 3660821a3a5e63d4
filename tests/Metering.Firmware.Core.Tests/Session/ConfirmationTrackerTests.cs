using Commons.Metering.Firmware;
using Commons.Metering.Firmware.Session;

namespace Commons.Metering.Tests.Session;

/// <summary>The confirmation mode and resend timeout on their own; the device's use of them is in
/// ConfirmationTests.</summary>
public class ConfirmationTrackerTests
{
    [Fact]
    public void Puback_mode_until_the_first_confirmation_then_the_unconfirmed_window()
    {
        var tracker = new ConfirmationTracker(maxInflight: 2, maxUnconfirmed: 32, confirmTimeoutMs: 30_000);
        Assert.Equal((false, 1, 2), (tracker.ConfirmMode, tracker.Level, tracker.SendWindow));

        Assert.True(tracker.Saw(1));
        Assert.True(tracker.Enter());
        Assert.False(tracker.Enter()); // persisted and announced once

        Assert.Equal((true, 2, 32), (tracker.ConfirmMode, tracker.Level, tracker.SendWindow));
    }

    [Fact]
    public void The_resend_timeout_doubles_per_silent_round_up_to_its_cap_and_a_confirmation_resets_it()
    {
        var tracker = new ConfirmationTracker(1, 32, 30_000);
        var timeouts = new List<long>();
        for (int round = 0; round <= Limits.MaxConfirmBackoffShift + 2; round++)
        {
            timeouts.Add(tracker.ResendTimeoutMs);
            tracker.SilentRound();
        }

        Assert.Equal(30_000, timeouts[0]);
        Assert.Equal(60_000, timeouts[1]);
        Assert.Equal(30_000L << Limits.MaxConfirmBackoffShift, timeouts[^1]);
        Assert.Equal(timeouts[^2], timeouts[^1]);

        Assert.False(tracker.Saw(0)); // the count did not move: still silent
        Assert.Equal(timeouts[^1], tracker.ResendTimeoutMs);
        Assert.True(tracker.Saw(3));
        Assert.Equal(30_000, tracker.ResendTimeoutMs);
    }

    [Fact]
    public void A_restored_confirmation_mode_is_not_entered_again()
    {
        var tracker = new ConfirmationTracker(1, 32, 30_000);
        tracker.Restore(true);

        Assert.Equal(2, tracker.Level);
        Assert.False(tracker.Enter());
    }
}
