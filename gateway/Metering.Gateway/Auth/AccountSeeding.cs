using Commons.Metering.Gateway.Policy;
using Microsoft.Extensions.Logging;

namespace Commons.Metering.Gateway.Auth;

/// <summary>Accounts created at start: the first administrator from Metering:Auth:Administrator, and
/// in demo mode one account per role with a password generated afresh at every start (printed with
/// the other start-up lines, so a demo is usable without reading docs).</summary>
internal static class AccountSeeding
{
    public const string DemoAdministrator = "admin";
    public const string DemoTechnician = "tech";
    public const string DemoCouncil = "council";
    public const string DemoMember = "member";
    public const string DemoMemberHousehold = "h01";

    /// <summary>Members created for at most this many households of the policy: enough to show privacy.</summary>
    public const int DemoHouseholds = 3;

    public static IReadOnlyList<string> Run(AuthOptions options, AccountStore store, AccountAudit audit, PolicyStore policy, ILogger logger)
    {
        if (options.Administrator is { } admin && store.Find(admin) is null)
        {
            var created = store.Add(admin, Role.Administrator, null, options.AdministratorPassword);
            if (!created.Ok) throw new InvalidOperationException($"Metering:Auth:Administrator: {created.Error}");
            audit.Write("(configuration)", "create", admin, "administrator from Metering:Auth:Administrator");
        }
        if (!options.DemoAccounts) return [];
        var lines = new List<string>();
        foreach (var (name, role, household) in DemoAccounts(policy))
        {
            var existing = store.Find(name);
            if (existing is not null && existing.Role != role)
            {
                logger.LogWarning("Demo account {Name} exists with role {Role}; left as it is", name, existing.Role);
                continue;
            }
            // 72 random bits in 12 characters: short enough to type from the console, far beyond guessing
            // at the throttled sign-in rate (AuthDefaults.MaxLockoutSeconds).
            var password = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(9)).Replace('+', 'x').Replace('/', 'y');
            var change = existing is null ? store.Add(name, role, household, password) : store.SetPassword(name, password);
            if (!change.Ok) { logger.LogWarning("Demo account {Name}: {Error}", name, change.Error); continue; }
            audit.Write("(demo)", existing is null ? "create" : "password", name, role.Name());
            lines.Add($"    {role.Name(),-13} {name,-14} {password}" + (household is null ? "" : $"   (household {household})"));
        }
        return lines;
    }

    private static IEnumerable<(string Name, Role Role, string? Household)> DemoAccounts(PolicyStore policy)
    {
        yield return (DemoAdministrator, Role.Administrator, null);
        yield return (DemoTechnician, Role.Technician, null);
        if (!policy.HasPolicy)
        {
            // Without a policy there are no households: the member sees the public aggregates, and its
            // own page once a policy with household h01 (like Policy/examples/village.yaml) is configured.
            yield return (DemoCouncil, Role.Council, null);
            yield return (DemoMember, Role.Member, DemoMemberHousehold);
            yield break;
        }
        // Council accounts carry the names the policy's council lists: approvals are counted by name.
        foreach (var member in policy.Current.Council.Members.Where(AccountStore.IsName)) yield return (member, Role.Council, null);
        foreach (var h in policy.Current.Households.Take(DemoHouseholds).Where(h => AccountStore.IsName("member-" + h.Id)))
            yield return ("member-" + h.Id, Role.Member, h.Id);
    }
}
