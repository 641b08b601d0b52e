using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Shoal.Gateway.Https;

/// <summary>
/// <c>{"device_id","sign_type":0|1,"timestamp":"YYYYMMDDHH","password"}</c>: the same credentials as an MQTT CONNECT,
/// with the sign type and timestamp as fields rather than parts of a client ID.
/// </summary>
internal sealed record DeviceAuthRequest(string DeviceId, bool CheckTime, string Timestamp, DateTimeOffset SignedAt, byte[] Password)
{
    public const string Expected =
        """The body is not {"device_id":"1 to 128 characters","sign_type":0 or 1,"timestamp":"YYYYMMDDHH","password":"64 hex digits"}.""";

    private const int MaxDeviceIdLength = 128;

    /// <summary>The request, or null when a field is missing, of the wrong type or out of range.</summary>
    public static DeviceAuthRequest? Parse(byte[] body)
    {
        using var document = DeviceJson.Parse(new ReadOnlySequence<byte>(body));
        if (document?.RootElement is not { ValueKind: JsonValueKind.Object } root
            || Text(root, "device_id") is not { Length: > 0 and <= MaxDeviceIdLength } deviceId
            || !root.TryGetProperty("sign_type", out var signType) || signType.ValueKind != JsonValueKind.Number
            || !signType.TryGetInt32(out var sign) || sign is not (0 or 1)
            || Text(root, "timestamp") is not { Length: 10 } timestamp
            || DeviceAuthenticator.ParseTimestamp(timestamp) is not { } signedAt
            || Text(root, "password") is not { } password)
        {
            return null;
        }
        return new DeviceAuthRequest(deviceId, sign == 1, timestamp, signedAt, Encoding.UTF8.GetBytes(password));
    }

    private static string? Text(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}

internal sealed record AccessTokenResponse(
    [property: JsonPropertyName("access_token")] string AccessToken,
    [property: JsonPropertyName("expires_in")] long ExpiresIn);
