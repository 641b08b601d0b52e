using System.Buffers;
using System.Net;
using System.Text;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;
using MQTTnet.Server;
using Shoal.Gateway.Edge;
using Shoal.Gateway.SubDevices;
using Shoal.Storage;
using Shoal.Storage.Tracing;

namespace Shoal.Gateway;

/// <summary>
/// The MQTT broker devices connect to. It authenticates each CONNECT, keeps each device to its own topics, and
/// acknowledges a report only once it is committed: MQTTnet sends a QoS 1 PUBACK after the publish handler returns.
/// </summary>
internal sealed partial class GatewayServer(
    IOptions<GatewayOptions> options, DeviceListener listener, DeviceAuthenticator authenticator, DeviceSessions sessions,
    StaleConnections staleConnections, IngestQueue queue, CommandSignal commands, DeviceReplies replies, LastSeenWriter lastSeen, TraceRecorder recorder,
    TimeProvider time, DeviceShadowRequests shadows, DeviceShadowSignal desired, SubDeviceRegistry subDevices, SubDeviceEvents subDeviceEvents,
    ILogger<GatewayServer> logger) : IHostedService, IDisposable
{
    private static readonly string ConnectionKey = typeof(DeviceConnection).FullName!;
    /// <summary>Marks the messages the gateway itself injects, so the device publish rules do not apply to them.</summary>
    private static readonly string GatewayKey = typeof(GatewayServer).FullName!;
    private readonly Lock _stopLock = new();
    private MqttServer? _server;
    private Task? _stopped;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await staleConnections.ReleaseAsync(cancellationToken);
        var settings = options.Value;
        if (settings.Port == 0 && settings.TlsPort == 0)
        {
            return;
        }
        var serverOptions = new MqttServerFactory().CreateServerOptionsBuilder().WithKeepAlive().Build();
        _server = new MqttServerFactory().CreateMqttServer(serverOptions, [listener]);
        _server.ValidatingConnectionAsync += OnConnectingAsync;
        _server.ClientConnectedAsync += OnConnectedAsync;
        _server.ClientDisconnectedAsync += OnDisconnectedAsync;
        _server.InterceptingPublishAsync += OnPublishAsync;
        _server.InterceptingSubscriptionAsync += OnSubscribingAsync;
        _server.ClientAcknowledgedPublishPacketAsync += OnAcknowledgedAsync;
        await authenticator.WarmUpAsync(cancellationToken);
        await _server.StartAsync();
        LogListening(logger, settings.Host, settings.Port, settings.TlsPort);
    }

    /// <summary>
    /// Stops the broker once, however many callers ask: a host run by <c>RunAsync</c> and stopped from outside (as in
    /// tests) stops its services twice at the same time, and MQTTnet's own stop is not safe to run concurrently.
    /// </summary>
    public Task StopAsync(CancellationToken cancellationToken)
    {
        lock (_stopLock)
        {
            return _stopped ??= _server?.StopAsync(new MqttServerStopOptions()) ?? Task.CompletedTask;
        }
    }

    public void Dispose() => _server?.Dispose();

    /// <summary>
    /// Publishes to a device at QoS 1 on one of its own topics. Only the device may subscribe there, so it reaches that
    /// device alone; false when the broker is not running on this node.
    /// </summary>
    public async Task<bool> PublishAsync(string topic, byte[] payload, CancellationToken cancellationToken)
    {
        if (_server is not { IsStarted: true } server)
        {
            return false;
        }
        var message = new MqttApplicationMessageBuilder()
            .WithTopic(topic)
            .WithPayload(payload)
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .Build();
        await server.InjectApplicationMessage(
            new InjectedMqttApplicationMessage(message) { SenderClientId = GatewayKey, CustomSessionItems = new Dictionary<string, bool> { [GatewayKey] = true } },
            cancellationToken);
        return true;
    }

    /// <summary>Ends <paramref name="connection"/>, telling an MQTT 5 device why.</summary>
    public async Task DisconnectAsync(DeviceConnection connection, string reason)
    {
        if (_server is { IsStarted: true } server)
        {
            connection.CloseReason = reason;
            await server.DisconnectClientAsync(connection.ClientId, new MqttServerClientDisconnectOptions
            {
                ReasonCode = MqttDisconnectReasonCode.AdministrativeAction,
                ReasonString = reason,
            });
        }
    }

    private async Task OnConnectingAsync(ValidatingConnectionEventArgs connect)
    {
        if (connect.ProtocolVersion < MqttProtocolVersion.V500 && string.IsNullOrEmpty(connect.UserName) && connect.RawPassword is { Length: > 0 })
        {
            // MQTT 3.1.1 allows a password only with a user name: such a CONNECT is malformed, whatever it would authenticate as.
            LogRefused(logger, null, connect.RemoteEndPoint, "A password without a user name.");
            connect.ReasonCode = MqttConnectReasonCode.MalformedPacket;
            return;
        }
        var authentication = await authenticator.AuthenticateAsync(
            connect.ClientId, connect.UserName, connect.RawPassword, connect.ProtocolVersion, connect.CancellationToken);
        var traceSerial = recorder.Connecting(connect.UserName, connect.RemoteEndPoint, authentication);
        if (authentication.Connection is not { } connection)
        {
            // An oversize client ID is refused for its size: the log gets no more of it than the limit.
            LogRefused(logger, connect.ClientId?[..Math.Min(connect.ClientId.Length, options.Value.MaxClientIdLength)], connect.RemoteEndPoint, authentication.Reason);
            connect.ReasonCode = authentication.ReasonCode;
            connect.ReasonString = authentication.Reason;
            return;
        }
        connection.TraceSerial = traceSerial;
        connection.Secure = connect.ChannelAdapter.LocalEndPoint is IPEndPoint local && local.Port == options.Value.TlsPort;
        sessions.Open(connection);
        try
        {
            // Online and, on the first connection, activated (with its events) before the device hears CONNACK.
            await queue.StoreAsync(new DeviceConnected(connection, time.GetUtcNow()), connect.CancellationToken);
        }
        catch (Exception error)
        {
            sessions.Abandon(connection);
            NotStored(connection.DeviceId, error);
            connect.ReasonCode = MqttConnectReasonCode.ServerUnavailable;
            return;
        }
        connect.SessionItems[ConnectionKey] = connection;
        LogConnected(logger, connection.DeviceId, connect.RemoteEndPoint);
    }

    /// <summary>
    /// A second connection of a device takes over: MQTTnet does so for the same client ID, this for another one. Then
    /// the device is subscribed to its own system downlink, as the reference platform delivers it: its SDKs never
    /// subscribe, and a device that does keeps its own subscriptions as well.
    /// </summary>
    private async Task OnConnectedAsync(ClientConnectedEventArgs connected)
    {
        if (connected.SessionItems[ConnectionKey] is not DeviceConnection connection || _server is null)
        {
            return;
        }
        if (connection.Replaces is { } previous && previous.ClientId != connection.ClientId)
        {
            previous.CloseReason = "Another connection of this device took over.";
            await _server.DisconnectClientAsync(previous.ClientId, new MqttServerClientDisconnectOptions
            {
                ReasonCode = MqttDisconnectReasonCode.SessionTakenOver,
                ReasonString = "Another connection of this device took over.",
            });
        }
        await _server.SubscribeAsync(connection.ClientId, new MqttTopicFilterBuilder()
            .WithTopic(TopicPolicy.Prefix(connection.DeviceId) + "sys/#").WithAtLeastOnceQoS().Build());
        connection.DownlinkSubscribed();
        commands.Wake(connection.DeviceId);
        desired.Wake(connection.DeviceId);
    }

    private async Task OnDisconnectedAsync(ClientDisconnectedEventArgs disconnected)
    {
        if (disconnected.SessionItems[ConnectionKey] is not DeviceConnection connection || !sessions.Close(connection))
        {
            return;
        }
        LogDisconnected(logger, connection.DeviceId, disconnected.DisconnectType);
        recorder.Disconnected(connection, disconnected);
        try
        {
            await queue.StoreAsync(new DeviceDisconnected(connection, time.GetUtcNow(), DisconnectReason(connection, disconnected.DisconnectType)), CancellationToken.None);
        }
        catch (Exception error)
        {
            NotStored(connection.DeviceId, error);
        }
    }

    private async Task OnPublishAsync(InterceptingPublishEventArgs publish)
    {
        if (publish.SessionItems[GatewayKey] is true)
        {
            return;
        }
        if (publish.SessionItems[ConnectionKey] is not DeviceConnection device)
        {
            publish.ProcessPublish = false;
            publish.CloseConnection = true;
            return;
        }
        var message = publish.ApplicationMessage;
        var settings = options.Value;
        var now = time.GetUtcNow();
        if (!TopicPolicy.IsTopicName(message.Topic))
        {
            // MQTT: a PUBLISH to a wildcard, NUL or text that is not UTF-8 is a protocol error, and the server closes.
            Refuse(publish, device, MqttPubAckReasonCode.TopicNameInvalid, "A topic name has no wildcards (+, #), NUL or invalid UTF-8.");
            publish.CloseConnection = true;
            device.CloseReason = "A message was refused: a topic name has no wildcards (+, #), NUL or invalid UTF-8.";
            return;
        }
        // Nothing a device publishes is kept for later subscribers: retained messages would hold memory no one bounds.
        message.Retain = false;
        if (message.Topic.Length > settings.MaxTopicLength)
        {
            Refuse(publish, device, MqttPubAckReasonCode.TopicNameInvalid, $"The topic is longer than {settings.MaxTopicLength} characters.");
            return;
        }
        var topic = TopicPolicy.Classify(device.DeviceId, message.Topic);
        if (topic == DeviceTopic.Foreign)
        {
            Refuse(publish, device, MqttPubAckReasonCode.NotAuthorized, $"A device publishes under {TopicPolicy.Prefix(device.DeviceId)} or on topics outside $oc.");
            return;
        }
        if (message.QualityOfServiceLevel == MqttQualityOfServiceLevel.ExactlyOnce)
        {
            Refuse(publish, device, MqttPubAckReasonCode.ImplementationSpecificError, "QoS 2 is not supported; use QoS 0 or 1.");
            return;
        }
        if (message.Payload.Length > settings.MaxPayloadBytes)
        {
            Refuse(publish, device, MqttPubAckReasonCode.QuotaExceeded, $"The payload is larger than {settings.MaxPayloadBytes} bytes.");
            return;
        }
        if (!device.TryTakePublish(now, settings.MaxMessagesPerSecondPerDevice))
        {
            Refuse(publish, device, MqttPubAckReasonCode.QuotaExceeded, $"More than {settings.MaxMessagesPerSecondPerDevice} messages in a second.");
            return;
        }

        if (TopicPolicy.IsGzipped(device.DeviceId, message.Topic))
        {
            if (DeviceGzip.Inflate(message.Payload, settings.MaxPayloadBytes) is not { } inflated)
            {
                Refuse(publish, device, MqttPubAckReasonCode.PayloadFormatInvalid, $"The payload is not gzip, or inflates to more than {settings.MaxPayloadBytes} bytes.");
                return;
            }
            message.Payload = new ReadOnlySequence<byte>(inflated);
        }

        IngestItem item;
        switch (topic)
        {
            case DeviceTopic.PropertiesReport when PropertiesReport.Parse(message.Payload, now, settings.MaxServicesPerReport, settings.ClockTolerance) is { } services:
                item = new PropertiesReported(device, now, services);
                break;
            case DeviceTopic.SubDevicesReport:
            {
                var batch = SubDeviceReports.Parse(message.Payload, now, SubDeviceReports.MaxDevicesOverMqtt, settings.MaxServicesPerReport, settings.ClockTolerance);
                if (batch.Refusal is not null)
                {
                    Refuse(publish, device, MqttPubAckReasonCode.PayloadFormatInvalid, batch.Refusal);
                    return;
                }
                if (await CheckSubDevicesAsync(device, [.. batch.Reports.Select(r => r.DeviceId).Distinct()], publish.CancellationToken) is { } refused)
                {
                    Refuse(publish, device, refused.Code, refused.Reason);
                    return;
                }
                item = new SubDevicesReported(device, now, batch.Reports);
                break;
            }
            case DeviceTopic.MessagesUp:
            {
                var subDeviceId = DeviceMessage.ObjectDeviceId(message.Payload) is { } target && target != device.DeviceId ? target : null;
                if (subDeviceId is not null && await CheckSubDevicesAsync(device, [subDeviceId], publish.CancellationToken) is { } refused)
                {
                    Refuse(publish, device, refused.Code, refused.Reason);
                    return;
                }
                item = new MessageUp(device, now, DeviceMessage.EventPayload(message.Payload, topic: null), subDeviceId);
                break;
            }
            case DeviceTopic.Custom:
                item = new MessageUp(device, now, DeviceMessage.EventPayload(message.Payload, message.Topic));
                break;
            case DeviceTopic.EventsUp when DeviceJson.Parse(message.Payload) is { } events:
            {
                EventsRequest request;
                using (events)
                {
                    request = SystemEvents.Read(device.DeviceId, events.RootElement, now, time);
                }
                if (request.Refusal is { } refusal)
                {
                    Refuse(publish, device, request.Malformed ? MqttPubAckReasonCode.PayloadFormatInvalid : MqttPubAckReasonCode.ImplementationSpecificError,
                        refusal, closeWithoutReasonCodes: request.Malformed);
                    return;
                }
                if (request.SubDeviceId is { } subDeviceId && await CheckSubDevicesAsync(device, [subDeviceId], publish.CancellationToken) is { } refused)
                {
                    Refuse(publish, device, refused.Code, refused.Reason);
                    return;
                }
                var answers = new List<DeviceReplyMessage>(request.Replies);
                try
                {
                    foreach (var subDeviceRequest in request.SubDeviceRequests)
                    {
                        answers.AddRange(await subDeviceEvents.AnswerAsync(device, subDeviceRequest, now, publish.CancellationToken));
                    }
                }
                catch (Exception error)
                {
                    NotStored(device.DeviceId, error);
                    Refuse(publish, device, MqttPubAckReasonCode.ImplementationSpecificError, "The sub-device request could not be carried out; send it again.");
                    return;
                }
                foreach (var answer in answers)
                {
                    await PublishAsync(answer.Topic, answer.Payload, publish.CancellationToken);
                }
                if (!request.Store)
                {
                    publish.ProcessPublish = false;
                    return;
                }
                item = new EventReported(device, now, Encoding.UTF8.GetString(message.Payload), request.SubDeviceId);
                break;
            }
            case DeviceTopic.CommandResponse when CommandResponse.Parse(message.Payload) is { } response:
                item = new CommandResponded(device, now, TopicPolicy.RespondedCommandId(device.DeviceId, message.Topic)!, response);
                break;
            case DeviceTopic.PropertiesResponse when DeviceJson.IsStorable(message.Payload):
                replies.Answer(device.DeviceId, TopicPolicy.PropertiesRequestId(device.DeviceId, message.Topic)!, Encoding.UTF8.GetString(message.Payload));
                publish.ProcessPublish = false;
                return;
            case DeviceTopic.ShadowGet:
            {
                var shadow = await shadows.AnswerAsync(device.DeviceId, message.Topic, message.Payload, publish.CancellationToken);
                if (shadow.Refusal is not null)
                {
                    Refuse(publish, device, shadow.RefusalCode, shadow.Refusal);
                    return;
                }
                await PublishAsync(shadow.Topic, shadow.Payload, publish.CancellationToken);
                publish.ProcessPublish = false;
                return;
            }
            case DeviceTopic.CommandResponse:
                Refuse(publish, device, MqttPubAckReasonCode.PayloadFormatInvalid, """The command response is not {"result_code":0,"response_name","paras":{...}}.""");
                return;
            case DeviceTopic.PropertiesReport:
                Refuse(publish, device, MqttPubAckReasonCode.PayloadFormatInvalid, """The report is not {"services":[{"service_id","properties":{...}}]}""" + $" with 1 to {settings.MaxServicesPerReport} services, "
                    + "or it repeats a name, or has text that is not UTF-8 or holds NUL or a lone surrogate.");
                return;
            case DeviceTopic.PropertiesResponse or DeviceTopic.EventsUp:
                Refuse(publish, device, MqttPubAckReasonCode.PayloadFormatInvalid, "The payload is not JSON, repeats a name, or has text that is not UTF-8 or holds NUL or a lone surrogate.");
                return;
            default:
                Refuse(publish, device, MqttPubAckReasonCode.TopicNameInvalid, $"Shoal offers no service on {message.Topic}; nothing was stored.", closeWithoutReasonCodes: false);
                return;
        }
        var serial = recorder.Received(item, message.Topic, (int)message.Payload.Length);
        try
        {
            await queue.StoreAsync(item, publish.CancellationToken);
            recorder.Stored(item, serial);
            lastSeen.Note(device, now);
        }
        catch (Exception error)
        {
            recorder.NotStored(item, serial, error);
            NotStored(device.DeviceId, error);
            Refuse(publish, device, MqttPubAckReasonCode.ImplementationSpecificError, "The message could not be stored; send it again.");
            return;
        }
        // Stored, and nobody subscribes to a device's uplink: the PUBACK says Success rather than "no matching subscribers".
        publish.ProcessPublish = false;
    }

    private Task OnSubscribingAsync(InterceptingSubscriptionEventArgs subscribe)
    {
        if (subscribe.SessionItems[ConnectionKey] is not DeviceConnection device
            || !TopicPolicy.IsOwn(device.DeviceId, subscribe.TopicFilter.Topic))
        {
            subscribe.ProcessSubscription = false;
            subscribe.Response.ReasonCode = MqttSubscribeReasonCode.NotAuthorized;
            subscribe.ReasonString = "A device subscribes only under $oc/devices/{its ID}/.";
            LogSubscriptionRefused(logger, subscribe.ClientId, subscribe.TopicFilter.Topic);
        }
        else if (subscribe.TopicFilter.Topic.Length > options.Value.MaxTopicLength)
        {
            subscribe.ProcessSubscription = false;
            subscribe.Response.ReasonCode = MqttSubscribeReasonCode.TopicFilterInvalid;
            subscribe.ReasonString = $"The topic filter is longer than {options.Value.MaxTopicLength} characters.";
            LogSubscriptionRefused(logger, subscribe.ClientId, subscribe.TopicFilter.Topic);
        }
        else if (subscribe.TopicFilter.QualityOfServiceLevel == MqttQualityOfServiceLevel.ExactlyOnce)
        {
            subscribe.TopicFilter.QualityOfServiceLevel = MqttQualityOfServiceLevel.AtLeastOnce;
            subscribe.Response.ReasonCode = MqttSubscribeReasonCode.GrantedQoS1;
        }
        return Task.CompletedTask;
    }

    /// <summary>The device's PUBACK of a command: the command is DELIVERED.</summary>
    private async Task OnAcknowledgedAsync(ClientAcknowledgedPublishPacketEventArgs acknowledged)
    {
        if (acknowledged.SessionItems[ConnectionKey] is not DeviceConnection device
            || TopicPolicy.RequestedCommandId(device.DeviceId, acknowledged.PublishPacket.Topic) is not { } commandId)
        {
            return;
        }
        try
        {
            await queue.StoreAsync(new CommandAcknowledged(device, time.GetUtcNow(), commandId), CancellationToken.None);
            recorder.CommandDelivered(device.DeviceId, commandId);
        }
        catch (Exception error)
        {
            NotStored(device.DeviceId, error);
        }
    }

    /// <summary>
    /// Null when each of <paramref name="deviceIds"/> is a sub-device of <paramref name="gateway"/>; otherwise why the
    /// message that names them is refused whole. A device of another gateway or application and an unknown one get the
    /// same answer: a gateway speaks only for its own sub-devices.
    /// </summary>
    private async Task<(MqttPubAckReasonCode Code, string Reason)?> CheckSubDevicesAsync(
        DeviceConnection gateway, IReadOnlyCollection<string> deviceIds, CancellationToken cancellationToken)
    {
        List<string> foreign;
        try
        {
            foreign = await subDevices.NotSubDevicesOfAsync(gateway, deviceIds, cancellationToken);
        }
        catch (Exception error)
        {
            NotStored(gateway.DeviceId, error);
            return (MqttPubAckReasonCode.ImplementationSpecificError, "The message could not be checked; send it again.");
        }
        return foreign.Count == 0
            ? null
            : (MqttPubAckReasonCode.NotAuthorized,
                $"Not sub-devices of {gateway.DeviceId}: {string.Join(", ", foreign.Take(10))}{(foreign.Count > 10 ? ", …" : "")}; nothing was stored.");
    }

    /// <summary>
    /// Refuses a publish with a reason code. MQTT 3.1.1 has none in PUBACK, so there a message that was not stored closes
    /// the connection, unless <paramref name="closeWithoutReasonCodes"/> is false: a request for a service Shoal does not
    /// offer is acknowledged and left in the trace, since a device that reconnects only to ask again gains nothing.
    /// </summary>
    private void Refuse(InterceptingPublishEventArgs publish, DeviceConnection device, MqttPubAckReasonCode code, string reason, bool closeWithoutReasonCodes = true)
    {
        publish.ProcessPublish = false;
        publish.Response.ReasonCode = code;
        publish.Response.ReasonString = reason;
        publish.CloseConnection = closeWithoutReasonCodes && !device.HasReasonCodes;
        if (publish.CloseConnection)
        {
            device.CloseReason = $"A message on {publish.ApplicationMessage.Topic} was refused: {reason}";
        }
        recorder.Refused(device, publish.ApplicationMessage.Topic, (int)publish.ApplicationMessage.Payload.Length, reason);
        LogPublishRefused(logger, device.DeviceId, publish.ApplicationMessage.Topic, reason);
    }

    /// <summary>Why a connection ended, cut to what the device keeps: the gateway's own reason when it closed it.</summary>
    private static string DisconnectReason(DeviceConnection connection, MqttClientDisconnectType type)
    {
        var reason = connection.CloseReason ?? type switch
        {
            MqttClientDisconnectType.Clean => "The device disconnected.",
            MqttClientDisconnectType.Takeover => "Another connection of this device took over.",
            _ => "The connection was lost without a DISCONNECT: the network failed, or the device went silent past its keep-alive.",
        };
        const int length = Storage.Entities.Device.DisconnectReasonLength;
        return reason.Length <= length ? reason : reason[..(length - 1)] + "…";
    }

    /// <summary>A device deleted while its message was on its way is an expected race, not a fault worth a stack trace.</summary>
    private void NotStored(string deviceId, Exception error)
    {
        if (StorageFailures.IsMissingReference(error))
        {
            LogDeviceGone(logger, deviceId);
        }
        else
        {
            LogNotStored(logger, deviceId, error);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Device {DeviceId} was deleted; what it sent last was not stored.")]
    private static partial void LogDeviceGone(ILogger logger, string deviceId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Device gateway listening on {Host}: MQTT on port {Port}, MQTTS on port {TlsPort} (0: off).")]
    private static partial void LogListening(ILogger logger, string host, int port, int tlsPort);

    [LoggerMessage(Level = LogLevel.Information, Message = "Device connection {ClientId} from {Address} refused: {Reason}")]
    private static partial void LogRefused(ILogger logger, string? clientId, EndPoint? address, string? reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Device {DeviceId} connected from {Address}.")]
    private static partial void LogConnected(ILogger logger, string deviceId, EndPoint? address);

    [LoggerMessage(Level = LogLevel.Information, Message = "Device {DeviceId} disconnected ({Type}).")]
    private static partial void LogDisconnected(ILogger logger, string deviceId, MqttClientDisconnectType type);

    [LoggerMessage(Level = LogLevel.Information, Message = "Publish of device {DeviceId} on {Topic} refused: {Reason}")]
    private static partial void LogPublishRefused(ILogger logger, string deviceId, string? topic, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Subscription of {ClientId} to {Topic} refused.")]
    private static partial void LogSubscriptionRefused(ILogger logger, string clientId, string? topic);

    [LoggerMessage(Level = LogLevel.Warning, Message = "What device {DeviceId} sent could not be stored.")]
    private static partial void LogNotStored(ILogger logger, string deviceId, Exception error);
}
