using System.ComponentModel.DataAnnotations;
using System.Net;

namespace Shoal.Gateway;

/// <summary>The device access address: MQTT over TCP and TLS, HTTPS, device authentication, limits and ingest.</summary>
public sealed class GatewayOptions
{
    public const string Section = "Gateway";

    /// <summary>
    /// The interface the MQTT, MQTTS and HTTPS device listeners bind: <c>*</c> (every interface), <c>localhost</c> or
    /// one IP address. Default: <c>*</c>.
    /// </summary>
    public string Host { get; set; } = "*";

    /// <summary>The addresses <see cref="Host"/> names: none for every interface; null when it names none.</summary>
    public IReadOnlyList<IPAddress>? HostAddresses => Host switch
    {
        "*" or "" => [],
        "localhost" => [IPAddress.Loopback, IPAddress.IPv6Loopback],
        _ => IPAddress.TryParse(Host, out var address) ? [address] : null,
    };

    /// <summary>Plain MQTT port; 0 disables it. Default: 1883.</summary>
    [Range(0, 65535)]
    public int Port { get; set; } = 1883;

    /// <summary>MQTT over TLS port, with the certificate of the HTTPS endpoints; 0 disables it. Default: 8883.</summary>
    [Range(0, 65535)]
    public int TlsPort { get; set; } = 8883;

    /// <summary>
    /// Port of HTTPS device access, for devices that report without keeping a connection; it uses the certificate of
    /// the HTTPS endpoints; 0 disables it. Default: 8943.
    /// </summary>
    [Range(0, 65535)]
    public int HttpsPort { get; set; } = 8943;

    /// <summary>How long an access token from HTTPS device authentication is valid. Default: 24 hours.</summary>
    public TimeSpan HttpsTokenLifetime { get; set; } = TimeSpan.FromHours(24);

    /// <summary>
    /// This node's name, recorded on each device it holds the connection of, so that at start it can set OFFLINE the
    /// devices it held when it died. Must be stable across restarts and unique among the nodes sharing a database.
    /// Default: the machine name.
    /// </summary>
    [MaxLength(64)]
    public string? NodeName { get; set; }

    /// <summary>
    /// How long this node's lease among the nodes sharing the database lasts; it is renewed every third of it. A node
    /// that has not renewed it for this long is taken over by another: its devices are set OFFLINE. Default: 30 seconds.
    /// </summary>
    public TimeSpan NodeLease { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary><see cref="NodeName"/>, or the machine name when none is configured.</summary>
    public string Node => string.IsNullOrWhiteSpace(NodeName) ? Environment.MachineName : NodeName;

    /// <summary>Longest client ID accepted at CONNECT; the reference format needs about 51 characters. Default: 128.</summary>
    [Range(23, 65535)]
    public int MaxClientIdLength { get; set; } = 128;

    /// <summary>Longest topic a device may publish or subscribe to, in characters. Default: 512.</summary>
    [Range(1, 65535)]
    public int MaxTopicLength { get; set; } = 512;

    /// <summary>
    /// How far a sign type 1 timestamp in a client ID may be from now, and how far ahead of now a reported event time
    /// may be before the receive time replaces it. Default: 1 hour.
    /// </summary>
    public TimeSpan ClockTolerance { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Largest payload a device may publish. Default: 256 KB.</summary>
    [Range(1, 256 * 1024 * 1024)]
    public int MaxPayloadBytes { get; set; } = 256 * 1024;

    /// <summary>How long a new connection has to send its CONNECT before it is closed. Default: 10 seconds.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Largest first packet (the CONNECT) a connection may announce, in bytes. Default: 8 KB.</summary>
    [Range(128, 1024 * 1024)]
    public int MaxConnectPacketBytes { get; set; } = 8 * 1024;

    /// <summary>Connections one source address may hold at once. Default: 5,000.</summary>
    [Range(1, int.MaxValue)]
    public int MaxConnectionsPerAddress { get; set; } = 5000;

    /// <summary>Connections that may wait for their CONNECT at once, from all addresses. Default: 1,000.</summary>
    [Range(1, int.MaxValue)]
    public int MaxPendingConnections { get; set; } = 1000;

    /// <summary>Most services in one properties report; a longer report is refused. Default: 100.</summary>
    [Range(1, 10_000)]
    public int MaxServicesPerReport { get; set; } = 100;

    /// <summary>Publishes a device may make in one second before it is refused. Default: 100.</summary>
    [Range(1, int.MaxValue)]
    public int MaxMessagesPerSecondPerDevice { get; set; } = 100;

    /// <summary>Most messages committed in one transaction. Default: 500.</summary>
    [Range(1, 100_000)]
    public int IngestBatchSize { get; set; } = 500;

    /// <summary>Messages waiting for their commit before publishers wait too. Default: 10,000.</summary>
    [Range(1, 1_000_000)]
    public int IngestQueueCapacity { get; set; } = 10_000;

    /// <summary>How often each node looks for commands of the devices it holds that another node stored. Default: 2 seconds.</summary>
    public TimeSpan CommandPollInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How often a device's "last seen" time moves while it sends, at most. Default: 1 minute.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan LastSeenInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// How often each node checks that the devices it holds may still be connected (not deleted, application not frozen),
    /// for changes made on another node; this node's own changes are acted on at once. Default: 30 seconds.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan SessionReviewInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long a sent command waits for the device's PUBACK before it is published again. Default: 30 seconds.</summary>
    public TimeSpan CommandRetransmitInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long a delivered command waits for the device's response before it is TIMEOUT. Default: 2 minutes.</summary>
    public TimeSpan CommandResponseTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>How long a properties set or get waits for the device's answer. Default: 10 seconds.</summary>
    public TimeSpan DeviceRequestTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How often each node looks for desired values, stored on another node, that the devices it holds do not have yet.
    /// Default: 2 seconds.
    /// </summary>
    public TimeSpan ShadowPollInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How long the command and desired-value workers, woken by a device that connected, wait for more devices to connect
    /// before they look up what all of them are owed in one query. Each connected device waits at most this long; zero
    /// looks up each wake-up's devices at once. Counted on the system clock. Default: 10 milliseconds.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:00:01")]
    public TimeSpan ConnectGathering { get; set; } = TimeSpan.FromMilliseconds(10);
}
