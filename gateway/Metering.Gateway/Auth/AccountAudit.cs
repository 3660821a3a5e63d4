using System.Text.Json;
using Commons.Metering.Gateway.Options;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Commons.Metering.Gateway.Auth;

/// <summary>Who changed which account or token, when: one JSON line per change in
/// {DataDirectory}/accounts-audit.jsonl (append-only) and in the log. Never a password or token.
/// Policy, stage and breaker acts are audited by the commons runtime's hash-chained log instead.</summary>
internal sealed class AccountAudit(IOptions<GatewayOptions> options, TimeProvider time, ILogger<AccountAudit> logger)
{
    private readonly Lock _lock = new();

    public string FilePath => Path.Combine(options.Value.Storage.DataDirectory, AuthDefaults.AccountsAuditFileName);

    public void Write(string actor, string action, string target, string? detail = null)
    {
        var line = JsonSerializer.Serialize(new { at = time.GetUtcNow(), actor, action, target, detail });
        lock (_lock)
        {
            Directory.CreateDirectory(options.Value.Storage.DataDirectory);
            File.AppendAllText(FilePath, line + "\n");
        }
        logger.LogInformation("Account change by {Actor}: {Action} {Target} {Detail}", LogText.Safe(actor), action, LogText.Safe(target), LogText.Safe(detail));
    }

    public IReadOnlyList<string> Tail(int limit)
    {
        lock (_lock)
        {
            if (!File.Exists(FilePath)) return [];
            return File.ReadLines(FilePath).Reverse().Take(limit).ToList();
        }
    }
}
