using Commons.Metering.Firmware.Storage;

namespace Commons.Metering.Tests.Storage;

/// <summary>The outbox_thinned bookkeeping on its own; the device's events (one per offline spell,
/// the sum when replaced) are in OutboxTests.</summary>
public class ThinnedReportTests
{
    [Fact]
    public void A_replaced_pending_event_passes_its_count_on_to_the_next()
    {
        var report = new ThinnedReport();
        report.Dropped(3);
        Assert.True(report.HasUnreported);
        Assert.Equal(3, report.Total(replacesPending: false));
        report.Reported(serial: 17, total: 3);
        Assert.False(report.HasUnreported);

        report.Dropped(2);

        Assert.Equal(5, report.Total(replacesPending: true));   // the unsent event 17 is replaced
        Assert.Equal(2, report.Total(replacesPending: false));  // event 17 is out: it said its 3
    }

    [Fact]
    public void Only_the_pending_event_leaving_clears_it()
    {
        var report = new ThinnedReport();
        report.Dropped(1);
        report.Reported(9, 1);

        report.Left(8);
        Assert.Equal(9, report.PendingSerial);
        report.Left(9);
        Assert.Equal(0, report.PendingSerial);
    }
}
