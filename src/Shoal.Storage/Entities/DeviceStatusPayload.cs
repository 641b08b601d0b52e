using System.Text.Json.Nodes;

namespace Shoal.Storage.Entities;

/// <summary>The payload of a <see cref="DeviceEventType.StatusChanged"/> event: <c>{"status":"ONLINE"}</c> or <c>{"status":"OFFLINE"}</c>.</summary>
public static class DeviceStatusPayload
{
    public const string Online = """{"status":"ONLINE"}""";
    public const string Offline = """{"status":"OFFLINE"}""";

    /// <summary>ONLINE or OFFLINE.</summary>
    public static string Read(string payload) => JsonNode.Parse(payload)!["status"]!.GetValue<string>();
}
