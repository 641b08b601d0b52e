namespace Shoal.Gateway;

internal enum DeviceTopic
{
    /// <summary>Not under the device's own <c>$oc/devices/{id}/</c>: refused.</summary>
    Foreign,
    PropertiesReport,
    MessagesUp,
    /// <summary><c>sys/events/up</c>: events the device reports, as JSON.</summary>
    EventsUp,
    /// <summary><c>sys/commands/response/request_id={commandId}</c>: the device's answer to a command.</summary>
    CommandResponse,
    /// <summary><c>sys/properties/set|get/response/request_id={requestId}</c>: the device's answer to a properties request.</summary>
    PropertiesResponse,
    /// <summary>Another <c>sys</c> topic of the device: its payload must be JSON.</summary>
    OtherSystem,
    /// <summary>Any other topic under the device's own prefix.</summary>
    Own,
}

/// <summary>Which topics a device may use: only those under its own ID, as the reference platform allows.</summary>
internal static class TopicPolicy
{
    private const string CommandRequestPath = "sys/commands/request_id=";
    private const string CommandResponsePath = "sys/commands/response/request_id=";
    private const string PropertiesSetResponsePath = "sys/properties/set/response/request_id=";
    private const string PropertiesGetResponsePath = "sys/properties/get/response/request_id=";

    public static string Prefix(string deviceId) => $"$oc/devices/{deviceId}/";

    /// <summary>The topic a command is published on.</summary>
    public static string CommandRequest(string deviceId, string commandId) => Prefix(deviceId) + CommandRequestPath + commandId;

    /// <summary>The topic of a properties request: <paramref name="verb"/> is <c>set</c> or <c>get</c>.</summary>
    public static string PropertiesRequest(string deviceId, string verb, string requestId) => $"{Prefix(deviceId)}sys/properties/{verb}/request_id={requestId}";

    public static string MessagesDown(string deviceId) => Prefix(deviceId) + "sys/messages/down";

    /// <summary>Whether a topic or subscription filter stays under the device's own prefix.</summary>
    public static bool IsOwn(string deviceId, string? topic) =>
        topic is not null && topic.StartsWith(Prefix(deviceId), StringComparison.Ordinal);

    public static DeviceTopic Classify(string deviceId, string? topic)
    {
        if (!IsOwn(deviceId, topic))
        {
            return DeviceTopic.Foreign;
        }
        return topic![Prefix(deviceId).Length..] switch
        {
            "sys/properties/report" => DeviceTopic.PropertiesReport,
            "sys/messages/up" => DeviceTopic.MessagesUp,
            "sys/events/up" => DeviceTopic.EventsUp,
            var rest when rest.StartsWith(CommandResponsePath, StringComparison.Ordinal) => DeviceTopic.CommandResponse,
            var rest when rest.StartsWith(PropertiesSetResponsePath, StringComparison.Ordinal)
                || rest.StartsWith(PropertiesGetResponsePath, StringComparison.Ordinal) => DeviceTopic.PropertiesResponse,
            var rest when rest.StartsWith("sys/", StringComparison.Ordinal) => DeviceTopic.OtherSystem,
            _ => DeviceTopic.Own,
        };
    }

    /// <summary>The command ID at the end of a command request topic of the device, or null for any other topic.</summary>
    public static string? RequestedCommandId(string deviceId, string? topic) => After(Prefix(deviceId) + CommandRequestPath, topic);

    /// <summary>The command ID at the end of a command response topic of the device, or null for any other topic.</summary>
    public static string? RespondedCommandId(string deviceId, string? topic) => After(Prefix(deviceId) + CommandResponsePath, topic);

    /// <summary>The request ID at the end of a properties set or get response topic of the device, or null for any other topic.</summary>
    public static string? PropertiesRequestId(string deviceId, string? topic) =>
        After(Prefix(deviceId) + PropertiesSetResponsePath, topic) ?? After(Prefix(deviceId) + PropertiesGetResponsePath, topic);

    private static string? After(string start, string? topic) =>
        topic is not null && topic.Length > start.Length && topic.StartsWith(start, StringComparison.Ordinal) ? topic[start.Length..] : null;
}
