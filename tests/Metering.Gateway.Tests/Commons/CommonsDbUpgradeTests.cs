using System.Globalization;
using Commons.Metering.Gateway.Actuation;
using Commons.Metering.Gateway.PolicyRuntime;
using Microsoft.Data.Sqlite;

namespace Commons.Metering.Gateway.Tests.Commons;

/// <summary>Every older commons.db schema, exactly as that gateway created it (Commons/Schemas/commons.v{N}.sql,
/// cut from git history), filled with one row in every table, opened by this gateway: the migrated file has
/// exactly the tables and columns of a fresh one, passes integrity_check, and every row reads back through
/// CommonsDb as the runtime reads it at start (commands, breakers, kv, signatures, proposals).
/// commons.db carries no user_version: a version is the set of tables and columns a release created.</summary>
public sealed class CommonsDbUpgradeTests : IDisposable
{
    /// <summary>The current version's number: one more than the newest schema file.</summary>
    private const int CurrentVersion = 3;

    private readonly string _dir = Directory.CreateTempSubdirectory("commons-upgrade-").FullName;

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, recursive: true);
    }

    public static TheoryData<int> OlderVersions() => new(Enumerable.Range(1, CurrentVersion - 1));

    [Fact]
    public void EveryOlderVersion_HasItsSchemaFile_AndNoneIsTheCurrentShape()
    {
        var fresh = FreshShape();
        foreach (var v in Enumerable.Range(1, CurrentVersion - 1))
        {
            Assert.True(File.Exists(SchemaFile(v)), $"no {SchemaFile(v)}: add commons.db version {v} as it was released");
            var path = Path.Combine(_dir, $"only-v{v}.db");
            SqliteFile.Exec(path, File.ReadAllText(SchemaFile(v)));
            Assert.NotEqual(fresh, SqliteFile.Shape(path, indexes: true));
        }
    }

    [Theory]
    [MemberData(nameof(OlderVersions))]
    public void AnOlderSchema_MigratesToTheCurrentShape_WithEveryRow(int version)
    {
        var path = Path.Combine(_dir, "commons.db");
        SqliteFile.Exec(path, "PRAGMA journal_mode=WAL;\n" + File.ReadAllText(SchemaFile(version)) + "\n" + Rows);

        using (var db = new CommonsDb(path))
        {
            var command = Assert.Single(db.LoadLive());
            Assert.Equal(("g-000007", "w-1", "allowance:main", CommandState.Sent, 2, (long?)2_000_000_500L),
                (command.Cid, command.Meter, command.Key, command.State, command.Attempts, command.SentMs));
            Assert.Equal(new Command("g-000007", 2_000_003_600_000L, "allowance", "main", 500_000, 86_400), command.Wire);

            var breaker = Assert.Single(db.Breakers());
            Assert.Equal(("w-1/main", "Open", "device reported leak", "Leak", true, 2_000_000_000L, (long?)null, (int?)null),
                breaker);
            Assert.Equal("2|2|drought declared", db.Get("stage:water"));
            Assert.Equal(("m-1", "dry well", 86_400L, 2_000_000_100L), Assert.Single(db.Signatures("emergency:water")));
            var proposal = Assert.Single(db.Proposals());
            Assert.Equal(("p-1", "version: 1\n", "c-1", "c-1,c-2", "pending", 2_000_000_200L),
                (proposal.Id, proposal.Yaml, proposal.Proposer, string.Join(",", proposal.Approvals), proposal.State, proposal.CreatedMs));

            // The tables and columns a later version added take rows from now on.
            Assert.Empty(db.Refusals(10));
            db.SaveRefusal(2_000_000_300L, "c-2", "x", "invalid", ["line 1: bad"]);
            db.SaveBreaker("zone:feeder", "Open", "load over", null, false, 2_000_000_400L, untilMs: 2_000_600_400L, trips: 2);
            Assert.Equal("c-2", Assert.Single(db.Refusals(10)).Proposer);
            Assert.Equal(((long?)2_000_600_400L, (int?)2), db.Breakers().Where(b => b.Id == "zone:feeder").Select(b => (b.UntilMs, b.Trips)).Single());
        }

        Assert.Equal("ok", SqliteFile.Scalar(path, "PRAGMA integrity_check"));
        Assert.Equal(FreshShape(), SqliteFile.Shape(path, indexes: true));
        // Opening again changes nothing (the migration runs once).
        using (new CommonsDb(path)) { }
        Assert.Equal(FreshShape(), SqliteFile.Shape(path, indexes: true));
        Assert.Equal(2L, Convert.ToInt64(SqliteFile.Scalar(path, "SELECT count(*) FROM breakers"), CultureInfo.InvariantCulture));
    }

    /// <summary>One row per table as every version wrote them (the columns all versions share): a command
    /// in flight, an open breaker, a declared stage, a signature of an emergency, a pending proposal.</summary>
    private const string Rows = """
        INSERT INTO commands VALUES ('g-000007', 'w-1', 'allowance:main',
          '{"Cid":"g-000007","ExpMs":2000003600000,"Op":"allowance","Channel":"main","Limit":500000,"PeriodS":86400,"Stage":null,"State":null,"StartMs":null,"Used":null,"UseClass":null,"Curtail":null,"LeakS":null,"BurstPerMin":null}',
          0, 'allowance of household h-1', 2000000000, 'Sent', 2, 2000000900, 2000000500, NULL, NULL, NULL);
        INSERT INTO breakers (id, state, reason, safety, technician, since_ms) VALUES ('w-1/main', 'Open', 'device reported leak', 'Leak', 1, 2000000000);
        INSERT INTO kv VALUES ('stage:water', '2|2|drought declared');
        INSERT INTO signatures VALUES ('emergency:water', 'm-1', 'dry well', 86400, 2000000100);
        INSERT INTO proposals VALUES ('p-1', 'version: 1
        ', 'c-1', 2000086400000, 'c-1,c-2', 'pending', 2000000200);
        """;

    private string FreshShape()
    {
        var fresh = Path.Combine(_dir, "fresh", "commons.db");
        using (new CommonsDb(fresh)) { }
        return SqliteFile.Shape(fresh, indexes: true);
    }

    private static string SchemaFile(int version) => Path.Combine(AppContext.BaseDirectory, "Commons", "Schemas", $"commons.v{version}.sql");
}
