using System.Text.Json;
using Shoal.Coap.Protocol;

namespace Shoal.Coap.Payloads;

/// <summary>A command that could not be put into bytes: the message names the parameter at fault.</summary>
internal sealed class CommandEncodingException(string message) : Exception(message)
{
}

/// <summary>
/// Turns the opaque bytes of LwM2M object 19 into Shoal's properties and command responses, and commands into bytes.
/// An application's <see cref="PayloadCodec"/> is tried first, then the reference platform's JSON forms; whatever neither
/// explains is a plain message.
/// </summary>
internal static class DevicePayloads
{
    /// <summary>What the device's payload is: properties, a command response, or a plain message. Never throws on device data.</summary>
    public static UplinkPayload Decode(PayloadCodec? codec, ReadOnlySpan<byte> payload) =>
        codec?.Decode(payload) ?? ReferenceJsonPayloads.Read(payload) ?? UplinkPayload.Plain.Instance;

    /// <summary>
    /// The bytes to write to <c>/19/1/0</c>: the codec's layout when it declares <paramref name="serviceId"/>/<paramref name="method"/>
    /// (content-format 42, octet-stream), else <c>cloudReq</c> JSON (50). Throws <see cref="CommandEncodingException"/> when a
    /// parameter is missing or does not fit, or <paramref name="parasJson"/> is not a JSON object.
    /// </summary>
    public static byte[] EncodeCommand(PayloadCodec? codec, string serviceId, string method, string parasJson, ushort mid, out int contentFormat) =>
        TryEncodeCommand(codec, serviceId, method, parasJson, mid, out contentFormat, out var error) ?? throw new CommandEncodingException(error!);

    /// <summary>As <see cref="EncodeCommand"/>, with the reason in <paramref name="error"/> and null returned instead of throwing.</summary>
    public static byte[]? TryEncodeCommand(
        PayloadCodec? codec, string serviceId, string method, string parasJson, ushort mid, out int contentFormat, out string? error)
    {
        contentFormat = CoapContentFormat.Json;
        JsonDocument paras;
        try
        {
            paras = JsonDocument.Parse(parasJson);
        }
        catch (JsonException)
        {
            error = "the command's parameters are not valid JSON";
            return null;
        }
        using (paras)
        {
            if (paras.RootElement.ValueKind != JsonValueKind.Object)
            {
                error = "the command's parameters must be a JSON object";
                return null;
            }
            if (codec is not null && codec.Declares(serviceId, method))
            {
                contentFormat = CoapContentFormat.OctetStream;
                return codec.Encode(serviceId, method, paras.RootElement, mid, out error);
            }
            error = null;
            return ReferenceJsonPayloads.CommandRequest(serviceId, method, paras.RootElement, mid);
        }
    }
}
