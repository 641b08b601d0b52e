using System.Text.Json.Serialization;

namespace Shoal.Server.Northbound;

/// <summary>The reference platform's error body and status, with the codes of its northbound API.</summary>
internal sealed record NorthboundError(
    [property: JsonIgnore] int Status,
    [property: JsonPropertyName("error_code")] string Code,
    [property: JsonPropertyName("error_desc")] string Description)
{
    public static NorthboundError WrongSecret() => new(401, "100208", "AppId or secret is not right.");
    public static NorthboundError InvalidToken() => new(403, "1010005", "Invalid access token or app_key.");
    public static NorthboundError AppKeyMissing() => new(401, "100025", "app_key is missing.");
    public static NorthboundError NotAuthorized() => new(403, "100217", "The application has not been authorized.");
    public static NorthboundError ApplicationMissing() => new(403, "100203", "The application does not exist.");
    public static NorthboundError Frozen() => new(400, "100247", "The application is frozen.");
    public static NorthboundError Missing(string parameter) => new(400, "102202", $"Required parameter '{parameter}' is missing.");
    public static NorthboundError Invalid(string what) => new(400, "100022", $"The input is invalid: {what}");
    public static NorthboundError NodeIdTaken() => new(400, "100426", "The nodeId has already been registered.");
    public static NorthboundError DeviceMissing() => new(404, "100418", "The device does not exist.");
    public static NorthboundError ResourceMissing() => new(404, "100225", "The resource does not exist.");
    public static NorthboundError IllegalCallback(string why) => new(400, "100222", $"The callback URL is illegal: {why}");
    public static NorthboundError AlreadySubscribed() => new(409, "100227", "The application has already subscribed to this notification type.");
    public static NorthboundError Throttled() => new(403, "1010009", "Too many calls; the application's call rate limit was reached.");
    public static NorthboundError TooManyLogins() => new(429, "1010009", "Too many failed logins; try again later.");

    public IResult ToResult() => TypedResults.Json(this, NorthboundJson.Options, statusCode: Status);
}
