using Commons.Metering.Gateway.Auth;
using Commons.Metering.Gateway.Web;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Commons.Metering.Gateway.Http;

/// <summary>The 403 of an endpoint, worded for the caller's role (Web/Problems.cs has the role-free ones).</summary>
internal static class AccessProblems
{
    public static ProblemHttpResult Forbidden(HttpContext http) =>
        Problems.Of(StatusCodes.Status403Forbidden, "Forbidden",
            http.User.RoleOf() == Auth.Role.Member
                ? $"Household data is private: '{http.User.Actor()}' sees household '{http.User.HouseholdOf()}' and the public aggregates only."
                : Auth.Access.ForbiddenDetail(http));
}
