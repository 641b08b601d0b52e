using MQTTnet.Formatter;

namespace Shoal.Gateway;

/// <summary>One authenticated MQTT connection of a device, with what the gateway looked up once when it connected.</summary>
internal sealed class DeviceConnection(string deviceId, string applicationId, bool dataManagement, string clientId, MqttProtocolVersion protocol)
    : DeviceIdentity(deviceId, applicationId, dataManagement)
{
    private readonly RateWindow _publishes = new();
    private DateTimeOffset _seenNotedAt = DateTimeOffset.MinValue;
    private readonly TaskCompletionSource _downlink = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public string ClientId => clientId;
    /// <summary>MQTT 3.1.1 has no reason codes in PUBACK: a refused message there closes the connection.</summary>
    public bool HasReasonCodes => protocol >= MqttProtocolVersion.V500;
    /// <summary>Whether the device connected over MQTTS.</summary>
    public bool Secure { get; set; }
    /// <summary>The serial of the connection's flow in a trace; null when the device is not traced.</summary>
    public string? TraceSerial { get; set; }
    /// <summary>Why the gateway closed this connection, when it did; null when the device or the network ended it.</summary>
    public string? CloseReason { get; set; }
    /// <summary>The connection this one took over, if the device was already connected.</summary>
    public DeviceConnection? Replaces { get; set; }
    /// <summary>
    /// How a device without an MQTT connection gets its commands (an LwM2M client); null for an MQTT connection, which
    /// takes them, and every other request, as publishes.
    /// </summary>
    public IDeviceDownlink? Downlink { get; init; }

    public bool ReceivesDownlink => _downlink.Task.IsCompleted && (Downlink?.Awake ?? true);

    public void DownlinkSubscribed() => _downlink.TrySetResult();

    /// <summary>
    /// Whether the connection is subscribed to its system downlink within <paramref name="wait"/>. It subscribes just
    /// after CONNACK; until then what is published to the device reaches nobody.
    /// </summary>
    public async Task<bool> DownlinkReadyAsync(TimeSpan wait, TimeProvider time, CancellationToken cancellationToken)
    {
        try
        {
            await _downlink.Task.WaitAsync(wait, time, cancellationToken);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    /// <summary>Whether the device's "last seen" is due to be noted again: the first time, and <paramref name="interval"/> after the last note.</summary>
    public bool TakeSeenNote(DateTimeOffset now, TimeSpan interval)
    {
        if (now - _seenNotedAt < interval && now >= _seenNotedAt)
        {
            return false;
        }
        _seenNotedAt = now;
        return true;
    }

    /// <summary>Counts a publish in a one-second window. No lock: MQTTnet handles one client's packets one after another.</summary>
    public bool TryTakePublish(DateTimeOffset now, int perSecond) => _publishes.TryTake(now, perSecond);
}
