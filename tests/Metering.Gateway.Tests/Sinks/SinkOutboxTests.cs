using System.Text;
using Commons.Metering.Gateway.Sinks;

namespace Commons.Metering.Gateway.Tests.Sinks;

/// <summary>The sinks' side of metering.db on its own: the batch body SQLite joins, and pruning in
/// the cursor's transaction.</summary>
public sealed class SinkOutboxTests : IDisposable
{
    private readonly SinkOutboxDb _db = new();

    public void Dispose() => _db.Dispose();

    [Fact]
    public void ReadBatchAfter_IsTheLinesAfterTheCursor_InIdOrder_AsUtf8JoinedByNewlines()
    {
        // Non-ASCII tag values and escaped characters must arrive byte for byte.
        string[] lines =
        [
            "reading,community=Bärenbach,meter=m1,channel=main,resource=water reg=1i,usage=0i,seq=1i 1000",
            "reading,community=Bärenbach,meter=m\\ 2,channel=main,resource=water reg=2i,usage=1i,seq=2i,flag=\"seq_gap\" 2000",
            "reading,community=村,meter=m3,channel=main,resource=energy reg=3i,usage=1i,seq=3i 3000",
            "reading,community=c,meter=m4,channel=main,resource=forest reg=4i,usage=1i,seq=4i 4000",
        ];
        _db.Append(lines);

        var all = _db.Outbox.ReadBatchAfter(0, 100);
        Assert.Equal((4L, 4), (all.LastId, all.Count));
        Assert.Equal(Encoding.UTF8.GetBytes(string.Join('\n', lines)), all.Body);

        var middle = _db.Outbox.ReadBatchAfter(1, 2);
        Assert.Equal((3L, 2), (middle.LastId, middle.Count));
        Assert.Equal(string.Join('\n', lines[1..3]), Encoding.UTF8.GetString(middle.Body));

        var none = _db.Outbox.ReadBatchAfter(4, 100);
        Assert.Equal((0, 0), (none.Count, none.Body.Length));
    }

    [Fact]
    public void ReadRange_IsTheRowsOfOneBatch_OneByOne()
    {
        var lines = _db.AppendReadings(10);
        var rows = _db.Outbox.ReadRange(3, 7);
        Assert.Equal(new long[] { 4, 5, 6, 7 }, rows.Select(r => r.Id));
        Assert.Equal(lines.Skip(3).Take(4), rows.Select(r => r.Line));
    }

    [Fact]
    public void Commit_PrunesWhatEverySinkDelivered_EvenMoreThanOneChunk_AndKeepsTheRest()
    {
        var rows = SinkConstants.PruneChunkRows * 2 + 500;
        _db.AppendReadings(rows);
        string[] sinks = ["fast", "slow"];

        Assert.Equal(0, _db.Outbox.Commit("fast", rows, [], 0, sinks)); // slow has no cursor: nothing delivered by all
        Assert.Equal(rows, _db.OutboxIds().Count);

        // The slow sink catches up past more rows than one chunk: all of them go, the rest stays.
        Assert.Equal(rows - 100, _db.Outbox.Commit("slow", rows - 100, [], 0, sinks));
        Assert.Equal(Enumerable.Range(rows - 99, 100).Select(i => (long)i), _db.OutboxIds());
        Assert.Equal(rows - 100, _db.Cursor("slow"));

        // A cursor never moves backwards, and what it already pruned stays pruned.
        Assert.Equal(0, _db.Outbox.Commit("slow", 5, [], 0, sinks));
        Assert.Equal(rows - 100, _db.Cursor("slow"));
    }
}
