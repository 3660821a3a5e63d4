namespace Commons.Metering.Gateway.Auth;

/// <summary>The four roles (docs/design.md rule 5: no role holds several powers). An account
/// has exactly one role, so no account both sets policy (council) and operates devices (technician).</summary>
public enum Role
{
    /// <summary>Sees its own household (bound by id to a household of the policy) and the public aggregates.</summary>
    Member,

    /// <summary>Proposes and approves policy, declares and renews emergencies.</summary>
    Council,

    /// <summary>Commissions devices and resets tripped safety breakers.</summary>
    Technician,

    /// <summary>Manages accounts and tokens.</summary>
    Administrator,
}

internal static class Roles
{
    /// <summary>Claim names of a signed-in principal (cookie or token alike).</summary>
    public const string HouseholdClaim = "metering:household";
    public const string StampClaim = "metering:stamp";

    /// <summary>The administrator who set the password this session signed in with (Account.ResetBy).</summary>
    public const string ResetClaim = "metering:reset-by";

    /// <summary>A cookie session's random id: sign-out records it, so a copy of the cookie is refused after.</summary>
    public const string SessionClaim = "metering:sid";

    public static string Name(this Role role) => role.ToString().ToLowerInvariant();

    public static bool TryParse(string? s, out Role role)
    {
        role = default;
        return s is not null && Enum.TryParse(s, ignoreCase: true, out role) && Enum.IsDefined(role) && !int.TryParse(s, out _);
    }
}
