using System.Buffers;
using System.Net;
using System.Reflection;
using System.Security.Cryptography.X509Certificates;
using MQTTnet.Adapter;
using MQTTnet.Channel;
using MQTTnet.Diagnostics.Logger;
using MQTTnet.Server;
using MQTTnet.Server.Internal.Adapter;

namespace Commons.Metering.Gateway.Ingest;

/// <summary>The embedded broker's limit on the size of a packet a client sends (Broker:MaxPacketBytes).
///
/// Why: MQTTnet.Server 5.2 has no such limit. Its channel adapter reads a packet's fixed header, then
/// reads the whole body into one buffer of the announced length (up to MQTT's 268,435,455 bytes), and
/// only then does the server see the packet: a client that announces a 250 MB CONNECT and sends it made
/// the gateway buffer all of it before refusing it, with no password needed (RSS 225 -> 1085 MB,
/// not given back).
///
/// How: MQTTnet's own TCP adapter (plain and TLS listeners, unchanged) accepts the connection; before
/// the server reads a byte, the connection's channel is wrapped in <see cref="PacketSizeLimitedChannel"/>,
/// which follows the packet boundaries in the byte stream and fails the read that completes a fixed
/// header announcing more than the limit. MQTTnet then closes the connection, having buffered nothing of
/// the body. The channel is a private field of MQTTnet's MqttChannelAdapter (no public accessor in 5.2);
/// <see cref="ChannelField"/> is checked when the broker starts, so an MQTTnet update that renames it
/// stops the gateway with a clear error instead of running without the limit, and the integration test
/// (PacketSizeLimitTests) runs the attack against the built gateway.</summary>
internal sealed class PacketSizeLimitedServerAdapter(int maxPacketBytes, Action<EndPoint?, long> refused) : IMqttServerAdapter
{
    private static readonly FieldInfo? ChannelField = typeof(MqttChannelAdapter).GetField("_channel", BindingFlags.Instance | BindingFlags.NonPublic);

    private readonly MqttTcpServerAdapter _inner = new();
    private IMqttNetLogger _logger = MqttNetNullLogger.Instance;

    public Func<IMqttChannelAdapter, Task>? ClientHandler { get; set; }

    public Task StartAsync(MqttServerOptions options, IMqttNetLogger logger)
    {
        if (ChannelField is null || !typeof(IMqttChannel).IsAssignableFrom(ChannelField.FieldType))
            throw new InvalidOperationException("MQTTnet's MqttChannelAdapter has no '_channel' field of type IMqttChannel any more: " +
                "the packet size limit (Ingest/PacketSizeLimit.cs) must be adapted to this MQTTnet version.");
        _logger = logger;
        _inner.ClientHandler = OnClientAsync;
        return _inner.StartAsync(options, logger);
    }

    public Task StopAsync() => _inner.StopAsync();

    public void Dispose() => _inner.Dispose();

    private async Task OnClientAsync(IMqttChannelAdapter accepted)
    {
        if (ClientHandler is not { } handler) return;
        // MQTTnet disposes the accepted adapter (and with it the connection) when this returns.
        var original = (MqttChannelAdapter)accepted;
        var channel = (IMqttChannel)ChannelField!.GetValue(original)!;
        var limited = new PacketSizeLimitedChannel(channel, maxPacketBytes, announced => refused(channel.RemoteEndPoint, announced));
        using var adapter = new MqttChannelAdapter(limited, original.PacketFormatterAdapter, _logger)
        {
            AllowPacketFragmentation = original.AllowPacketFragmentation,
        };
        await handler(adapter).ConfigureAwait(false);
    }
}

/// <summary>An MQTT connection's byte stream with a bound on each packet's announced size: it follows
/// the fixed headers (MQTT 3.1.1 section 2.2 and 5.0 section 2.1.4: one type byte, then the remaining
/// length as a variable byte integer of at most 4 bytes) and skips each body, however the reads split
/// the stream. A fixed header announcing more than the limit fails the read that completes it, so the
/// reader never learns the length, let alone buffers the body.</summary>
internal sealed class PacketSizeLimitedChannel(IMqttChannel inner, int maxPacketBytes, Action<long> refused) : IMqttChannel
{
    private enum Part { TypeByte, Length, Body }

    private Part _part = Part.TypeByte;
    private long _length;
    private int _lengthBytes;
    private long _bodyLeft;

    public X509Certificate2 ClientCertificate => inner.ClientCertificate;
    public EndPoint RemoteEndPoint => inner.RemoteEndPoint;
    public EndPoint LocalEndPoint => inner.LocalEndPoint;
    public bool IsSecureConnection => inner.IsSecureConnection;

    public Task ConnectAsync(CancellationToken cancellationToken) => inner.ConnectAsync(cancellationToken);

    public Task DisconnectAsync(CancellationToken cancellationToken) => inner.DisconnectAsync(cancellationToken);

    public Task WriteAsync(ReadOnlySequence<byte> buffer, bool isEndOfPacket, CancellationToken cancellationToken) =>
        inner.WriteAsync(buffer, isEndOfPacket, cancellationToken);

    public async Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        var read = await inner.ReadAsync(buffer, offset, count, cancellationToken).ConfigureAwait(false);
        Follow(buffer.AsSpan(offset, read));
        return read;
    }

    /// <summary>Advances over bytes as they arrive; throws when a packet is announced too large.</summary>
    internal void Follow(ReadOnlySpan<byte> bytes)
    {
        var i = 0;
        while (i < bytes.Length)
        {
            switch (_part)
            {
                case Part.TypeByte:
                    (_part, _length, _lengthBytes) = (Part.Length, 0, 0);
                    i++;
                    break;
                case Part.Length:
                    var b = bytes[i++];
                    _length |= (long)(b & 0x7F) << (7 * _lengthBytes);
                    _lengthBytes++;
                    if ((b & 0x80) != 0)
                    {
                        // A fifth length byte is malformed (MQTT 3.1.1 2.2.3); MQTTnet refuses it, we stop at it.
                        if (_lengthBytes == 4) Refuse(long.MaxValue);
                        break;
                    }
                    var total = 1 + _lengthBytes + _length;
                    if (total > maxPacketBytes) Refuse(total);
                    (_part, _bodyLeft) = _length == 0 ? (Part.TypeByte, 0L) : (Part.Body, _length);
                    break;
                case Part.Body:
                    var skip = (int)Math.Min(_bodyLeft, bytes.Length - i);
                    i += skip;
                    _bodyLeft -= skip;
                    if (_bodyLeft == 0) _part = Part.TypeByte;
                    break;
            }
        }
    }

    private void Refuse(long announcedBytes)
    {
        refused(announcedBytes);
        throw new PacketTooLargeException(announcedBytes, maxPacketBytes);
    }

    public void Dispose() => inner.Dispose();
}

/// <summary>A client announced a packet above Broker:MaxPacketBytes; its connection is closed.</summary>
internal sealed class PacketTooLargeException(long announcedBytes, int maxPacketBytes)
    : IOException($"MQTT packet of {(announcedBytes == long.MaxValue ? "a malformed length" : announcedBytes + " bytes")} announced, above the limit of {maxPacketBytes} bytes (Metering:Broker:MaxPacketBytes)");
