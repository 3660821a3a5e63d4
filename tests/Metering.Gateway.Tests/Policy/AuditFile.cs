using Commons.Metering.Gateway.Policy;
using Microsoft.Extensions.Time.Testing;

namespace Commons.Metering.Gateway.Tests.Policy;

/// <summary>A real audit log in a temporary folder, plus helpers to read back what was recorded.</summary>
internal sealed class AuditFile : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("policy-audit-").FullName;

    public AuditFile(FakeTimeProvider time) => Log = new AuditLog(Path.Combine(_dir, "audit.jsonl"), time);

    public AuditLog Log { get; }

    public IReadOnlyList<AuditRecord> Records() => File.Exists(Log.Path)
        ? [.. File.ReadAllLines(Log.Path).Select(l => AuditRecord.TryParse(l, out var r) ? r! : throw new InvalidDataException(l))]
        : [];

    public IReadOnlyList<string> Kinds() => [.. Records().Select(r => r.Kind)];

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
