using System.Text;
using System.Text.Json;
using Commons.Metering.Gateway.Domain;
using Commons.Metering.Gateway.Http;
using Commons.Metering.Gateway.Region;

namespace Commons.Metering.Gateway.Tests.Http;

/// <summary>The answers' records write the same bytes as the shapes they replaced, where a record alone
/// would not: a field left out, names that are not camelCase, a wire encoder of its own. Serialized with
/// the web defaults ASP.NET Core writes answers with.</summary>
public sealed class WireShapeTests
{
    private static string Json<T>(T value) => JsonSerializer.Serialize(value, JsonSerializerOptions.Web);

    [Fact]
    public void StageGauges_without_a_policy_send_only_an_empty_list_of_signals()
    {
        Assert.Equal("""{"signals":[]}""", Json(new StageGaugesJson(null, null, [])));
        Assert.Equal("""{"from":"a","to":"b","signals":[]}""", Json(new StageGaugesJson("a", "b", [])));
    }

    [Fact]
    public void A_meter_status_keeps_its_short_names()
    {
        Assert.Equal("""{"state":"online","fw":"1.2.0","boot":3,"outbox":0,"battMv":3700,"deviceTime":null,"lastSeen":"t"}""",
            Json(new MeterStatusJson("online", "1.2.0", 3, 0, 3700, null, "t")));
        Assert.Equal("""{"t":"x","last":1,"min":0,"max":2}""", Json(new StagePointJson("x", 1, 0, 2)));
    }

    [Fact]
    public void The_declared_region_answer_is_what_the_wire_encoder_writes()
    {
        var answer = new RegionAnswer("river-a", "village", 7, false,
            [new DelegatedCap(Resource.Water, 1_000, 2_000, 500_000, 120_000, 3_000, 2, 2_500), new DelegatedCap(Resource.Energy, 1_000, 2_000, 9, 1, 3_000)]);

        Assert.Equal(Encoding.UTF8.GetString(RegionWire.Encode(answer)), Json(RegionAnswerJson.Of(answer)));
    }
}
