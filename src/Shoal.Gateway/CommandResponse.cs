using System.Buffers;
using System.Text.Json;

namespace Shoal.Gateway;

/// <summary>A device's answer to a command, <c>{"result_code":0,"response_name","paras"}</c>: 0 is success, anything else failure.</summary>
internal sealed record CommandResponse(int ResultCode, string Json)
{
    public bool Succeeded => ResultCode == 0;

    /// <summary>The response, or null when the payload is not one.</summary>
    public static CommandResponse? Parse(ReadOnlySequence<byte> payload)
    {
        using var document = DeviceJson.Parse(payload);
        if (document is null)
        {
            return null;
        }
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object
            || !root.TryGetProperty("result_code", out var code) || code.ValueKind != JsonValueKind.Number || !code.TryGetInt32(out var resultCode)
            || root.TryGetProperty("response_name", out var name) && name.ValueKind is not (JsonValueKind.String or JsonValueKind.Null)
            || root.TryGetProperty("paras", out var paras) && paras.ValueKind is not (JsonValueKind.Object or JsonValueKind.Null))
        {
            return null;
        }
        return new CommandResponse(resultCode, root.GetRawText());
    }
}
