using System.Buffers;
using System.Text.Json;

namespace Shoal.Gateway;

/// <summary>A free-form message a device sent, on <c>sys/messages/up</c> or a topic of its own naming.</summary>
internal static class DeviceMessage
{
    /// <summary>
    /// The event payload: <c>{"topic"?, "message"}</c> with the message itself when it is JSON, else
    /// <c>{"topic"?, "base64"}</c> with its bytes. The topic is kept only for topics of the device's own naming.
    /// </summary>
    public static string EventPayload(ReadOnlySequence<byte> payload, string? topic)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            if (topic is not null)
            {
                json.WriteString("topic", topic);
            }
            if (DeviceJson.IsStorable(payload))
            {
                json.WritePropertyName("message");
                json.WriteRawValue(payload, skipInputValidation: true);
            }
            else
            {
                json.WriteBase64String("base64", payload.IsSingleSegment ? payload.FirstSpan : payload.ToArray());
            }
            json.WriteEndObject();
        }
        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>
    /// The <c>object_device_id</c> of a message in the reference's system format, <c>{"object_device_id","name","id","content"}</c>:
    /// the device it is about. Null when the payload is not a JSON object or names none ("" names none).
    /// </summary>
    public static string? ObjectDeviceId(ReadOnlySequence<byte> payload)
    {
        var reader = new Utf8JsonReader(payload);
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return null;
            }
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isTarget = reader.ValueTextEquals("object_device_id"u8);
                reader.Read();
                if (isTarget)
                {
                    return reader.TokenType == JsonTokenType.String && reader.GetString() is { Length: > 0 } deviceId ? deviceId : null;
                }
                reader.Skip();
            }
        }
        catch (Exception error) when (error is JsonException or InvalidOperationException)
        {
        }
        return null;
    }
}
