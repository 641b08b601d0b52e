namespace Shoal.Gateway;

internal enum DeviceTopic
{
    /// <summary>Not under the device's own <c>$oc/devices/{id}/</c>: refused.</summary>
    Foreign,
    PropertiesReport,
    MessagesUp,
    /// <summary>Another <c>sys</c> topic of the device: its payload must be JSON.</summary>
    OtherSystem,
    /// <summary>Any other topic under the device's own prefix.</summary>
    Own,
}

/// <summary>Which topics a device may use: only those under its own ID, as the reference platform allows.</summary>
internal static class TopicPolicy
{
    public static string Prefix(string deviceId) => $"$oc/devices/{deviceId}/";

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
            var rest when rest.StartsWith("sys/", StringComparison.Ordinal) => DeviceTopic.OtherSystem,
            _ => DeviceTopic.Own,
        };
    }
}
