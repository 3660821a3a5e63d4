using System.Globalization;
using System.Text;
using MQTTnet;
using MQTTnet.Protocol;

namespace Commons.Metering.Dashboard.Tests;

public partial class DashboardGateway
{
    /// <summary>One gauge uplink (docs/protocol.md, gauge) of a meter on community "demo": a single
    /// sample of an A02YYUW level, acknowledged (PUBACK) by the gateway, i.e. committed.</summary>
    public async Task PublishLevelAsync(string meter, string gauge, long seq, DateTimeOffset deviceTime, long levelMm)
    {
        await ConnectAsync();
        var level = levelMm.ToString(CultureInfo.InvariantCulture);
        var payload = $"{{\"v\":1,\"seq\":{seq},\"ts\":{deviceTime.ToUnixTimeMilliseconds()},\"g\":[{{\"n\":\"{gauge}\",\"q\":\"level_mm\",\"s\":\"a02yyuw\"," +
                      $"\"last\":{level},\"min\":{level},\"max\":{level},\"mean\":{level},\"samples\":1}}]}}";
        await _mqtt!.PublishAsync(new MqttApplicationMessageBuilder().WithTopic($"commons/v1/demo/{meter}/up/gauge")
            .WithPayload(Encoding.UTF8.GetBytes(payload)).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());
    }
}
