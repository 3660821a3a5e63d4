using Commons.Metering.Firmware.Storage;

namespace Commons.Metering.Tests.Storage;

/// <summary>The refill's progress on its own; the device's refill (copies, acks, power cuts) is in
/// RefillTests and PowerCutTests.</summary>
public class RefillCursorTests
{
    [Fact]
    public void A_second_request_widens_to_the_lower_after_and_answers_with_the_newer_cid()
    {
        var cursor = new RefillCursor();
        cursor.Start("r1", 500);
        cursor.Advance(510);

        cursor.Start("r2", 400); // a gateway restored from an older backup
        Assert.Equal(400, cursor.AfterSeq);
        cursor.Start("r3", 450); // not lower: the cursor stays
        Assert.Equal(400, cursor.AfterSeq);

        Assert.Equal("r3", cursor.Finish());
        Assert.False(cursor.Active);
    }

    [Fact]
    public void Copies_move_the_cursor_and_are_counted_across_refills()
    {
        var cursor = new RefillCursor();
        Assert.False(cursor.Active);
        cursor.Start("a", 10);
        cursor.Advance(11);
        cursor.Advance(14);
        Assert.Equal((true, 14L, 2), (cursor.Active, cursor.AfterSeq, cursor.Copied));
        cursor.Finish();

        cursor.Start("b", 3); // a new refill starts from its own `after`
        Assert.Equal(3, cursor.AfterSeq);
        cursor.Advance(4);
        Assert.Equal(3, cursor.Copied);
    }
}
