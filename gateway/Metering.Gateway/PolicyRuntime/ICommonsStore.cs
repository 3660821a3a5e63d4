using Commons.Metering.Gateway.Actuation;

namespace Commons.Metering.Gateway.PolicyRuntime;

/// <summary>The policy runtime's storage seam: the state that must survive a restart (commands, breakers,
/// stages and other keyed values, emergency signatures, proposals, refusals) of ONE community: the one
/// whose policy the runtime runs. SQLite (<see cref="CommonsDb"/>, its own file commons.db) or PostgreSQL
/// (Postgres/PostgresCommonsStore, tables shared by communities and keyed by them); both derive from
/// <see cref="AdoCommonsStore"/>. Called under the runtime's lock; the dashboard's reads may come from
/// other threads.</summary>
internal interface ICommonsStore : IDisposable
{
    /// <summary>One transaction (one sync) for everything written until the scope ends. Nestable.</summary>
    IDisposable Batch();

    void Upsert(CommandRecord r);

    /// <summary>Commands not final yet plus the newest command of every key (the state last commanded).</summary>
    IReadOnlyList<CommandRecord> LoadLive();

    /// <summary>The newest commands, newest first.</summary>
    IReadOnlyList<CommandRecord> Newest(int limit);

    long CountCommands();

    string? Get(string key);

    /// <summary>Stores <paramref name="value"/> under <paramref name="key"/>; null removes the key.</summary>
    void Set(string key, string? value);

    void Sign(string act, string member, string reason, long durationS, long signedMs);

    void ClearSignatures(string act);

    IReadOnlyList<(string Member, string Reason, long DurationS, long SignedMs)> Signatures(string act);

    void SaveBreaker(string id, string state, string? reason, string? safety, bool technician, long sinceMs, long? untilMs = null, int? trips = null);

    IReadOnlyList<(string Id, string State, string? Reason, string? Safety, bool Technician, long SinceMs, long? UntilMs, int? Trips)> Breakers();

    void SaveProposal(string id, string yaml, string proposer, long effectiveMs, IEnumerable<string> approvals, string state, long createdMs);

    /// <summary>Newest first.</summary>
    IReadOnlyList<(string Id, string Yaml, string Proposer, long EffectiveMs, string[] Approvals, string State, long CreatedMs)> Proposals();

    /// <summary>A refused proposal, kept so the council sees what was refused and why.</summary>
    void SaveRefusal(long createdMs, string proposer, string yaml, string reason, IReadOnlyList<string> errors);

    /// <summary>Newest first.</summary>
    IReadOnlyList<(long CreatedMs, string Proposer, string Yaml, string Reason, string[] Errors)> Refusals(int limit);
}

/// <summary>Opens the state of <paramref name="community"/>'s runtime: at <paramref name="path"/> for SQLite
/// (a file per gateway), in the configured database for PostgreSQL (rows keyed by the community). The
/// storage provider registers it (GatewayServices).</summary>
internal delegate ICommonsStore OpenCommonsStore(string path, string community);
