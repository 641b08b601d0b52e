using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Shoal.Gateway.Https;

/// <summary>The reference platform's error body: <c>{"error_code":"IOTDA.000006","error_msg":"Invalid input data."}</c>.</summary>
internal sealed record DeviceHttpsError(
    [property: JsonPropertyName("error_code")] string ErrorCode,
    [property: JsonPropertyName("error_msg")] string ErrorMessage)
{
    public static JsonHttpResult<DeviceHttpsError> InvalidInput(string message) =>
        Answer(StatusCodes.Status400BadRequest, "IOTDA.000006", message);

    /// <summary>Unknown device, wrong password or stale timestamp: one answer, so that device IDs cannot be probed.</summary>
    public static JsonHttpResult<DeviceHttpsError> AuthenticationFailed() =>
        Answer(StatusCodes.Status401Unauthorized, "IOTDA.000002", "Authentication failed: unknown device or wrong password.");

    public static JsonHttpResult<DeviceHttpsError> Frozen() =>
        Answer(StatusCodes.Status401Unauthorized, "IOTDA.000002", "The device's application is frozen.");

    /// <summary>403, not 401: device clients authenticate again on a 403.</summary>
    public static JsonHttpResult<DeviceHttpsError> InvalidToken() =>
        Answer(StatusCodes.Status403Forbidden, "IOTDA.000004", "Invalid access token.");

    public static JsonHttpResult<DeviceHttpsError> NotSubDevices() =>
        Answer(StatusCodes.Status400BadRequest, "IOTDA.021104", "Subdevices in the request do not exist or do not belong to the gateway.");

    public static JsonHttpResult<DeviceHttpsError> RateLimited() =>
        Answer(StatusCodes.Status403Forbidden, "IOTDA.021101", "Request reached the maximum rate limit.");

    public static JsonHttpResult<DeviceHttpsError> TooLarge(int limit) =>
        Answer(StatusCodes.Status413PayloadTooLarge, "IOTDA.021105", $"The content reported in a single request cannot exceed {limit} bytes.");

    /// <summary>Not a reference code: the reference documents none for a failed write, and the device should simply retry.</summary>
    public static JsonHttpResult<DeviceHttpsError> NotStored() =>
        Answer(StatusCodes.Status503ServiceUnavailable, "SHOAL.000503", "Not stored; send it again.");

    private static JsonHttpResult<DeviceHttpsError> Answer(int status, string code, string message) =>
        TypedResults.Json(new DeviceHttpsError(code, message), statusCode: status);
}
