using System.Buffers;
using System.Globalization;
using System.Text.Json;

namespace Shoal.Coap.Payloads;

/// <summary>
/// The codec-free JSON the reference platform's devices use on <c>/19/0/0</c> and <c>/19/1/0</c>:
/// reports <c>{"msgType":"deviceReq","hasMore":0,"data":[{"serviceId","serviceData":{...},"eventTime"?}]}</c>,
/// command responses <c>{"msgType":"deviceRsp","mid","errcode","body"?:{...}}</c>, and commands
/// <c>{"msgType":"cloudReq","serviceId","cmd","paras":{...},"hasMore":0,"mid"}</c>.
/// </summary>
internal static class ReferenceJsonPayloads
{
    public const string EventTimeFormat = "yyyyMMdd'T'HHmmss'Z'";
    public const int MaxServiceIdLength = 64;

    /// <summary>
    /// The report or command response the payload holds; null when it is not one of them. An <c>eventTime</c> that is
    /// absent or not in <see cref="EventTimeFormat"/> is null: the receive time applies, and the data is not refused for it.
    /// </summary>
    public static UplinkPayload? Read(ReadOnlySpan<byte> payload)
    {
        var start = payload.TrimStart(" \t\r\n"u8);
        if (start.IsEmpty || start[0] != (byte)'{')
        {
            return null;
        }
        using var document = StorableJson.Parse(payload);
        if (document is null || !document.RootElement.TryGetProperty("msgType", out var type) || type.ValueKind != JsonValueKind.String)
        {
            return null;
        }
        return type.GetString() switch
        {
            "deviceReq" => ReadReport(document.RootElement),
            "deviceRsp" => ReadResponse(document.RootElement),
            _ => null,
        };
    }

    /// <summary>A command as <c>cloudReq</c> JSON, UTF-8. <paramref name="paras"/> must be a JSON object.</summary>
    public static byte[] CommandRequest(string serviceId, string method, JsonElement paras, int mid)
    {
        if (paras.ValueKind != JsonValueKind.Object)
        {
            throw new ArgumentException("Command parameters must be a JSON object.", nameof(paras));
        }
        var buffer = new ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("msgType", "cloudReq");
            json.WriteString("serviceId", serviceId);
            json.WriteString("cmd", method);
            json.WritePropertyName("paras");
            paras.WriteTo(json);
            json.WriteNumber("hasMore", 0);
            json.WriteNumber("mid", mid);
            json.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    private static UplinkPayload.Properties? ReadReport(JsonElement report)
    {
        if (!report.TryGetProperty("data", out var data) || data.ValueKind != JsonValueKind.Array || data.GetArrayLength() == 0)
        {
            return null;
        }
        var services = new List<ServiceProperties>(data.GetArrayLength());
        foreach (var service in data.EnumerateArray())
        {
            if (service.ValueKind != JsonValueKind.Object
                || !service.TryGetProperty("serviceId", out var id) || id.ValueKind != JsonValueKind.String
                || id.GetString() is not { Length: > 0 and <= MaxServiceIdLength } serviceId
                || !service.TryGetProperty("serviceData", out var values) || values.ValueKind != JsonValueKind.Object)
            {
                return null;
            }
            DateTimeOffset? eventTime = null;
            if (service.TryGetProperty("eventTime", out var time) && time.ValueKind == JsonValueKind.String
                && DateTimeOffset.TryParseExact(time.GetString(), EventTimeFormat, CultureInfo.InvariantCulture,
                    DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var reported))
            {
                eventTime = reported;
            }
            services.Add(new ServiceProperties(serviceId, values.GetRawText(), eventTime));
        }
        return new UplinkPayload.Properties(services);
    }

    private static UplinkPayload.CommandResponse? ReadResponse(JsonElement response)
    {
        if (!response.TryGetProperty("mid", out var mid) || mid.ValueKind != JsonValueKind.Number || !mid.TryGetInt32(out var commandMid)
            || !response.TryGetProperty("errcode", out var code) || code.ValueKind != JsonValueKind.Number || !code.TryGetInt32(out var resultCode))
        {
            return null;
        }
        if (!response.TryGetProperty("body", out var body))
        {
            return new UplinkPayload.CommandResponse(commandMid, resultCode, "{}");
        }
        return body.ValueKind == JsonValueKind.Object ? new UplinkPayload.CommandResponse(commandMid, resultCode, body.GetRawText()) : null;
    }
}
