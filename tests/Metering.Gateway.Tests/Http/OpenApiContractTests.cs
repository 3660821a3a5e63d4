using System.Net.Http.Json;
using System.Text.Json;
using Commons.Metering.Gateway.Tests.Policy;
using Commons.Metering.Testing;

namespace Commons.Metering.Gateway.Tests.Http;

/// <summary>The typed HTTP contract: the /openapi/v1.json a running gateway serves describes, for every
/// operation, the body of each success answer. A handler that returns an untyped IResult is documented
/// as "200 OK" with no content, and fails here.</summary>
[Trait("Category", "Integration")]
public sealed class OpenApiContractTests
{
    /// <summary>The answers that are not JSON, by operation: CSV files, the live event stream, the
    /// Prometheus text and the policy file. Exactly these may go without a JSON schema; each must still
    /// declare its content type.</summary>
    private static readonly Dictionary<string, string> NotJson = new(StringComparer.Ordinal)
    {
        ["GET /api/v1/households/{id}/export.csv"] = "text/csv",
        ["GET /api/v1/community/export.csv"] = "text/csv",
        ["GET /api/v1/events"] = "text/event-stream",
        ["GET /metrics"] = "text/plain",
        ["GET /api/v1/policy.yaml"] = "application/yaml",
    };

    private static readonly string[] Methods = ["get", "put", "post", "delete", "patch"];

    [Fact]
    public async Task Every_documented_operation_has_a_response_schema_for_its_success_answers()
    {
        await using var gw = new InProcessGateway();
        // A region host that is itself a member of another region: so the region's and the upstream
        // endpoints are mapped too. Nothing listens on the upstream port; its reports just wait.
        await gw.StartAsync(new Dictionary<string, string?>
        {
            ["Metering:Policy:File"] = PolicyFiles.VillagePath,
            ["Metering:Region:Id"] = "river-a",
            ["Metering:Region:Communities:0:Id"] = "village",
            ["Metering:Region:Communities:0:TokenSha256"] = new string('a', 64),
            ["Metering:Region:Resources:water:BudgetPerPeriod"] = "1000",
            ["Metering:Region:Resources:water:NeedPerPersonPerPeriod"] = "50",
            ["Metering:Upstream:Url"] = $"http://127.0.0.1:{FreePort.Next()}/",
            ["Metering:Upstream:Token"] = "t0ken",
        });
        using var http = gw.Client(null);
        var doc = await http.GetFromJsonAsync<JsonElement>("openapi/v1.json");

        var problems = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var path in doc.GetProperty("paths").EnumerateObject())
        {
            foreach (var op in path.Value.EnumerateObject().Where(o => Methods.Contains(o.Name)))
            {
                var name = $"{op.Name.ToUpperInvariant()} {path.Name}";
                seen.Add(name);
                problems.AddRange(Check(name, op.Value));
            }
        }
        problems.AddRange(NotJson.Keys.Where(k => !seen.Contains(k)).Select(k => $"{k}: listed as not JSON but not documented"));

        Assert.Contains("POST /api/v1/region/reports", seen);
        Assert.Contains("GET /api/v1/upstream", seen);
        // The overview answers in one of two shapes (with a policy, metering only): both are described.
        var overview = doc.GetProperty("paths").GetProperty("/api/v1/overview").GetProperty("get").GetProperty("responses").GetProperty("200")
            .GetProperty("content").GetProperty("application/json").GetProperty("schema");
        Assert.Equal(2, overview.GetProperty("oneOf").GetArrayLength());
        Assert.True(problems.Count == 0, $"{problems.Count} of {seen.Count} operations break the contract:\n" + string.Join("\n", problems));
    }

    private static IEnumerable<string> Check(string name, JsonElement operation)
    {
        var success = operation.TryGetProperty("responses", out var responses)
            ? responses.EnumerateObject().Where(r => r.Name.StartsWith('2')).ToList()
            : [];
        if (success.Count == 0)
        {
            yield return $"{name}: no success response documented";
            yield break;
        }
        foreach (var response in success)
        {
            // 204 No Content has no body to describe.
            if (response.Name == "204") continue;
            var content = response.Value.TryGetProperty("content", out var c) ? c.EnumerateObject().ToList() : [];
            if (NotJson.TryGetValue(name, out var type))
            {
                if (!content.Any(m => m.Name.StartsWith(type, StringComparison.Ordinal)))
                    yield return $"{name} {response.Name}: content type {type} not declared (has: {string.Join(", ", content.Select(m => m.Name))})";
                continue;
            }
            var json = content.FirstOrDefault(m => m.Name == "application/json");
            if (json.Value.ValueKind != JsonValueKind.Object)
                yield return $"{name} {response.Name}: no application/json content (has: {string.Join(", ", content.Select(m => m.Name))})";
            else if (!json.Value.TryGetProperty("schema", out var schema) || !Describes(schema))
                yield return $"{name} {response.Name}: application/json without a schema";
        }
    }

    /// <summary>A schema that says something: a reference to a component, a type, or properties.</summary>
    private static bool Describes(JsonElement schema) =>
        schema.ValueKind == JsonValueKind.Object &&
        (schema.TryGetProperty("$ref", out _) || schema.TryGetProperty("type", out _) || schema.TryGetProperty("properties", out _) ||
         schema.TryGetProperty("oneOf", out _) || schema.TryGetProperty("anyOf", out _));
}
