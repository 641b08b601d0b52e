using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using System.Text.Json;

namespace Shoal.Coap.Payloads;

/// <summary>An uplink message: <c>[messageId][fields]</c>, read as properties of one service.</summary>
internal sealed record PayloadMessage(byte MessageId, string ServiceId, IReadOnlyList<PayloadField> Fields);

/// <summary>A command response: <c>[messageId][mid: uint16 BE][result code: uint8][fields]</c>, the fields read as its body.</summary>
internal sealed record PayloadResponse(byte MessageId, IReadOnlyList<PayloadField> Fields);

/// <summary>A command: <c>[messageId][mid: uint16 BE][fields]</c>, the fields filled from its parameters.</summary>
internal sealed record PayloadCommand(byte MessageId, string ServiceId, string Method, IReadOnlyList<PayloadField> Fields);

/// <summary>
/// An application's declared mapping between the bytes its devices exchange and Shoal's services, properties and commands.
/// It is data, not code: a JSON definition with three optional lists,
/// <code>
/// {"messages":[{"messageId":1,"serviceId":"Meter","fields":[{"name":"temperature","offset":1,"type":"int16","scale":0.1}]}],
///  "responses":[{"messageId":3,"fields":[{"name":"state","offset":4,"type":"uint8"}]}],
///  "commands":[{"messageId":2,"serviceId":"Switch","method":"SET","fields":[{"name":"on","offset":3,"type":"uint8"}]}]}
/// </code>
/// Byte 0 of every payload is its message ID, unique across the three lists (0–255).
/// <list type="bullet">
/// <item><c>messages</c>: uplink reports; the fields become properties of <c>serviceId</c>. Field offsets start at 1.</item>
/// <item><c>responses</c>: answers to commands, laid out <c>[messageId][mid: uint16 big-endian][result code: uint8]</c>;
/// the fields, from offset 4, become the response body. Fields are optional.</item>
/// <item><c>commands</c>: the command <c>serviceId</c>/<c>method</c> is sent as <c>[messageId][mid: uint16 big-endian][fields]</c>,
/// each field (offset 3 or more) filled from the parameter of its name, divided by its scale and rounded for integer types.
/// Bytes no field covers are zero. Fields must not overlap.</item>
/// </list>
/// A field has <c>name</c> (unique in its entry), <c>offset</c>, <c>type</c> (uint8, int8, uint16, int16, uint32, int32,
/// float32, float64 or string), and optionally <c>scale</c> (a non-zero number the raw value is multiplied by on the way up),
/// <c>littleEndian</c> (true for little-endian numbers; big-endian by default). A string field needs <c>length</c>, its size
/// in bytes: UTF-8, padded with NULs, which are trimmed when read. A definition is at most 16 KB, with at most 64 entries in
/// all and 64 fields per entry, and no field may reach past byte 1024.
/// </summary>
internal sealed partial class PayloadCodec
{
    public const int MaxDefinitionBytes = 16 * 1024;
    public const int MaxEntries = 64;
    public const int MaxFieldsPerEntry = 64;
    public const int MaxPayloadBytes = 1024;
    public const int MaxNameLength = 64;

    private readonly Dictionary<byte, PayloadMessage> _messages;
    private readonly Dictionary<byte, PayloadResponse> _responses;
    private readonly Dictionary<(string ServiceId, string Method), PayloadCommand> _commands;

    private PayloadCodec(IReadOnlyList<PayloadMessage> messages, IReadOnlyList<PayloadResponse> responses, IReadOnlyList<PayloadCommand> commands)
    {
        Messages = messages;
        Responses = responses;
        Commands = commands;
        _messages = messages.ToDictionary(m => m.MessageId);
        _responses = responses.ToDictionary(r => r.MessageId);
        _commands = commands.ToDictionary(c => (c.ServiceId, c.Method));
    }

    public IReadOnlyList<PayloadMessage> Messages { get; }
    public IReadOnlyList<PayloadResponse> Responses { get; }
    public IReadOnlyList<PayloadCommand> Commands { get; }

    /// <summary>
    /// The properties or command response the payload declares; null when its message ID is not a declared message or
    /// response, or the payload is too short for the entry's fields.
    /// </summary>
    public UplinkPayload? Decode(ReadOnlySpan<byte> payload)
    {
        if (payload.IsEmpty)
        {
            return null;
        }
        if (_messages.TryGetValue(payload[0], out var message))
        {
            return ReadFields(message.Fields, payload) is { } data
                ? new UplinkPayload.Properties([new ServiceProperties(message.ServiceId, data, null)])
                : null;
        }
        if (_responses.TryGetValue(payload[0], out var response) && payload.Length >= 4)
        {
            return ReadFields(response.Fields, payload) is { } body
                ? new UplinkPayload.CommandResponse(BinaryPrimitives.ReadUInt16BigEndian(payload[1..]), payload[3], body)
                : null;
        }
        return null;
    }

    /// <summary>True when the codec declares a layout for the command; otherwise it travels as reference JSON.</summary>
    public bool Declares(string serviceId, string method) => _commands.ContainsKey((serviceId, method));

    /// <summary>
    /// The binary form of a declared command, or null with the reason when a parameter is missing, of the wrong kind, or
    /// does not fit its field. <paramref name="paras"/> is the command's parameter object.
    /// </summary>
    public byte[]? Encode(string serviceId, string method, JsonElement paras, ushort mid, out string? error)
    {
        if (!_commands.TryGetValue((serviceId, method), out var command))
        {
            error = $"the codec declares no command {serviceId}/{method}";
            return null;
        }
        var payload = new byte[command.Fields.Select(f => f.End).Append(3).Max()];
        payload[0] = command.MessageId;
        BinaryPrimitives.WriteUInt16BigEndian(payload.AsSpan(1), mid);
        foreach (var field in command.Fields)
        {
            JsonElement? value = paras.ValueKind == JsonValueKind.Object && paras.TryGetProperty(field.Name, out var found) ? found : null;
            if (field.Write(value, payload) is { } problem)
            {
                error = $"{serviceId}/{method}: {problem}";
                return null;
            }
        }
        error = null;
        return payload;
    }

    private static string? ReadFields(IReadOnlyList<PayloadField> fields, ReadOnlySpan<byte> payload)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            foreach (var field in fields)
            {
                if (!field.TryRead(payload, json))
                {
                    return null;
                }
            }
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
