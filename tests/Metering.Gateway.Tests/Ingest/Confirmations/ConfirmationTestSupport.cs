using System.Text;
using System.Text.Json;
using Commons.Metering.Gateway.Ingest.Confirmations;

namespace Commons.Metering.Gateway.Tests.Ingest.Confirmations;

internal static class ConfirmationTestSupport
{
    public static string StatusTopic(string meter, string community = "c1") => $"commons/v1/{community}/{meter}/up/status";

    /// <summary>The golden online statuses: of a device that waits for confirmations ("confirm":2), of
    /// one that understands them but still trusts its PUBACK ("confirm":1), and of older firmware.</summary>
    public static string ConfirmingStatus => Encoding.UTF8.GetString(Vectors.Bytes("valid/status-online-confirming.json"));
    public static string LearningStatus => Encoding.UTF8.GetString(Vectors.Bytes("valid/status-online.json"));
    public static string LegacyStatus => Encoding.UTF8.GetString(Vectors.Bytes("valid/status-online-legacy.json"));
    public static string OfflineWill => Encoding.UTF8.GetString(Vectors.Bytes("valid/status-offline.json"));

    /// <summary>The flattened seqs of a confirmation payload.</summary>
    public static long[] Seqs(byte[] payload)
    {
        using var doc = JsonDocument.Parse(payload);
        Assert.Equal(1, doc.RootElement.GetProperty("v").GetInt32());
        return doc.RootElement.GetProperty("seqs").EnumerateArray().Select(e => e.GetInt64()).ToArray();
    }

    public static List<Confirmation> TakeDue(this ConfirmationHub hub) => hub.TakeDue(out _);
}
