namespace Commons.Metering.Gateway.Domain;

/// <summary>Which household a meter belongs to, as the policy in force says (none without a policy,
/// or for a meter the policy does not list): the seam that lets the ledger tag its InfluxDB lines
/// with the household without the ledger depending on the policy. Called on the writer's thread for
/// every reading, so an implementation answers from memory.</summary>
public interface IMeterHouseholds
{
    string? HouseholdOf(string meterId);
}
