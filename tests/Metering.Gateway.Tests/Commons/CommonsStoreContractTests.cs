using Commons.Metering.Gateway.Actuation;
using Commons.Metering.Gateway.PolicyRuntime;
using Commons.Metering.Gateway.Options;

namespace Commons.Metering.Gateway.Tests.Commons;

/// <summary>The policy runtime's storage seam (ICommonsStore) as the runtime relies on it, on SQLite here and on
/// PostgreSQL in <see cref="CommonsStoreContractPostgresTests"/>: what a restart loads, upserts that keep a
/// command's place, keys removed by null, one signature per member and act, nested batches.</summary>
public class CommonsStoreContractTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("commons-store-");
    private readonly StorageOptions _storage;

    public CommonsStoreContractTests() : this(StorageProvider.Sqlite)
    {
    }

    protected CommonsStoreContractTests(StorageProvider provider)
    {
        _storage = new StorageOptions { Provider = provider, ConnectionString = provider == StorageProvider.Postgres ? TestPostgres.CreateDatabase() : null };
    }

    private protected ICommonsStore Open(string community = CommonsHarness.Community) =>
        CommonsHarness.OpenStore(_storage, Path.Combine(_dir.FullName, "commons.db"), community);

    private static CommandRecord Record(string cid, string key, CommandState state, long createdMs, long? sentMs = null) =>
        new(CommandCodec.Reset(cid, createdMs + 60_000, "main"), "m1", key, Cut: true, "test", createdMs, state, Attempts: sentMs is null ? 0 : 1,
            NextAttemptMs: createdMs, SentMs: sentMs);

    [Fact]
    public void LoadLive_HoldsTheOpenCommands_AndTheNewestOfEveryKey_InIssueOrder()
    {
        using (var db = Open())
        {
            db.Upsert(Record("g1", "m1/main/valve", CommandState.Acked, 1_000, 1_000) with { State = CommandState.Confirmed, ConfirmedMs = 2_000 });
            db.Upsert(Record("g2", "m1/main/valve", CommandState.Superseded, 3_000));
            db.Upsert(Record("g3", "m1/main/valve", CommandState.Confirmed, 4_000));
            db.Upsert(Record("g4", "m1/main/allowance", CommandState.Sent, 5_000, 5_000));
            db.Upsert(Record("g5", "m1/b/valve", CommandState.Refused, 6_000));
            // An upsert changes a command's state, never its place among the newest.
            db.Upsert(Record("g3", "m1/main/valve", CommandState.Confirmed, 4_000) with { ConfirmedMs = 7_000, AckError = null, AckedMs = 6_500 });
        }
        using var reopened = Open();
        var live = reopened.LoadLive();
        Assert.Equal(["g3", "g4", "g5"], live.Select(r => r.Cid));
        var g3 = live[0];
        Assert.Equal((CommandState.Confirmed, 6_500L, 7_000L, true, "m1/main/valve"), (g3.State, g3.AckedMs!.Value, g3.ConfirmedMs!.Value, g3.Cut, g3.Key));
        Assert.Equal("reset", g3.Wire.Op);
        Assert.Equal(["g5", "g4", "g3"], reopened.Newest(3).Select(r => r.Cid));
        Assert.Equal(5, reopened.CountCommands());
    }

    [Fact]
    public void KeyedValues_Breakers_Signatures_Proposals_AndRefusals_SurviveAReopen()
    {
        using (var db = Open())
        {
            db.Set("stage:water", "2|2|drought");
            db.Set("gone", "x");
            db.Set("gone", null);
            db.Sign("declare", "ana", "dry", 3_600, 10);
            db.Sign("declare", "ana", "drier", 7_200, 20); // one signature per member and act: the newer replaces it
            db.Sign("declare", "ben", "drier", 7_200, 15);
            db.Sign("renew", "ana", "dry", 60, 30);
            db.ClearSignatures("renew");
            db.SaveBreaker("m1/main", "Open", "leak", "Leak", technician: true, sinceMs: 100);
            db.SaveBreaker("zone:north", "HalfOpen", null, null, technician: false, sinceMs: 200, untilMs: 900, trips: 2);
            db.SaveProposal("p1", "yaml-1", "ana", 1_000, [], "pending", 50);
            db.SaveProposal("p1", "yaml-1", "ana", 1_000, ["ana", "ben"], "activated", 50);
            db.SaveProposal("p2", "yaml-2", "ben", 2_000, ["ben"], "pending", 60);
            db.SaveRefusal(70, "ben", "bad", "invalid", ["line 1: nope", "line 2: no"]);
            db.SaveRefusal(80, "ana", "worse", "no quorum", []);
        }
        using var reopened = Open();
        Assert.Equal("2|2|drought", reopened.Get("stage:water"));
        Assert.Null(reopened.Get("gone"));
        Assert.Equal([("ben", "drier", 7_200L, 15L), ("ana", "drier", 7_200L, 20L)], reopened.Signatures("declare"));
        Assert.Empty(reopened.Signatures("renew"));
        Assert.Equal(
            [("m1/main", "Open", "leak", "Leak", true, 100L, null, null), ("zone:north", "HalfOpen", null, null, false, 200L, 900L, 2)],
            reopened.Breakers().OrderBy(b => b.Id, StringComparer.Ordinal).Select(b => (b.Id, b.State, b.Reason, b.Safety, b.Technician, b.SinceMs, b.UntilMs, b.Trips)));
        var proposals = reopened.Proposals();
        Assert.Equal(["p2", "p1"], proposals.Select(p => p.Id));
        Assert.Equal(["ana", "ben"], proposals[1].Approvals);
        Assert.Equal("activated", proposals[1].State);
        var refusals = reopened.Refusals(1);
        var newest = Assert.Single(refusals);
        Assert.Equal((80L, "no quorum"), (newest.CreatedMs, newest.Reason));
        Assert.Equal(["line 1: nope", "line 2: no"], reopened.Refusals(10)[1].Errors);
    }

    [Fact]
    public void ANestedBatch_IsOneTransaction_CommittedWhenTheOutermostScopeEnds()
    {
        using var db = Open();
        using (db.Batch())
        {
            db.Set("a", "1");
            using (db.Batch()) db.Set("b", "2");
            using var other = Open();
            // Not committed yet: another opener does not see it (SQLite's WAL readers, PostgreSQL's READ COMMITTED).
            Assert.Null(other.Get("b"));
        }
        using var after = Open();
        Assert.Equal(("1", "2"), (after.Get("a"), after.Get("b")));
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try { _dir.Delete(recursive: true); } catch (IOException) { }
        GC.SuppressFinalize(this);
    }
}

/// <summary>Every case of <see cref="CommonsStoreContractTests"/> on a real PostgreSQL, plus what only a shared
/// database has: the gateways of two communities keep their state apart.</summary>
public sealed class CommonsStoreContractPostgresTests() : CommonsStoreContractTests(StorageProvider.Postgres)
{
    [Fact]
    public void TwoCommunities_InOneDatabase_NeverSeeEachOthersState()
    {
        using var north = Open("north");
        using var south = Open("south");
        north.Set("stage:water", "3|3|north dry");
        north.Upsert(new CommandRecord(CommandCodec.Reset("g1", 60_000, "main"), "n1", "n1/main/valve", true, "test", 1, CommandState.Pending, 0, 1));
        north.SaveBreaker("zone:a", "Open", "load", null, false, 5);
        south.Set("stage:water", "0|0|normal");
        south.Upsert(new CommandRecord(CommandCodec.Reset("g1", 60_000, "main"), "s1", "s1/main/valve", true, "test", 2, CommandState.Sent, 1, 2));

        Assert.Equal(("3|3|north dry", "0|0|normal"), (north.Get("stage:water"), south.Get("stage:water")));
        Assert.Equal("n1", Assert.Single(north.LoadLive()).Meter);
        Assert.Equal("s1", Assert.Single(south.LoadLive()).Meter);
        Assert.Empty(south.Breakers());
        Assert.Equal((1L, 1L), (north.CountCommands(), south.CountCommands()));
    }
}
