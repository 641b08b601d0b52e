using System.Globalization;
using System.Text.Json.Serialization;
using System.Text.Json;
using Shoal.Server.Common;

namespace Shoal.Server.Northbound;

/// <summary>JSON as the reference platform writes it: camelCase, UTC times as yyyyMMdd'T'HHmmss'Z', unknown fields ignored.</summary>
internal static class NorthboundJson
{
    public const string TimeFormat = "yyyyMMdd'T'HHmmss'Z'";

    public const string ContentType = "application/json; charset=utf-8";

    public static readonly JsonSerializerOptions Options = Create();

    private static JsonSerializerOptions Create()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web) { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };
        StorableText.Apply(options);
        return options;
    }

    public static string Time(DateTimeOffset value) => value.UtcDateTime.ToString(TimeFormat, CultureInfo.InvariantCulture);

    public static bool TryParseTime(string? text, out DateTimeOffset value) =>
        DateTimeOffset.TryParseExact(text, TimeFormat, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out value);

    /// <summary>Reads a JSON body, or says why it cannot: an NA gets 100022, never a framework error page.</summary>
    public static async Task<(T? Value, NorthboundError? Error)> ReadAsync<T>(HttpRequest request, CancellationToken cancellationToken)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.ContentLength is null or 0 && request.Headers.TransferEncoding.Count == 0)
        {
            return (null, NorthboundError.Invalid("the request body is empty."));
        }
        if (request.ContentType is { } type && !type.Contains("json", StringComparison.OrdinalIgnoreCase))
        {
            return (null, NorthboundError.Invalid("the body must be JSON (Content-Type: application/json)."));
        }
        try
        {
            var value = await JsonSerializer.DeserializeAsync<T>(request.Body, Options, cancellationToken);
            return value is null ? (null, NorthboundError.Invalid("the body is null.")) : (value, null);
        }
        catch (JsonException e)
        {
            return (null, NorthboundError.Invalid(e.Path is null or "$" ? "the body is not valid JSON." : $"'{e.Path[2..]}' has a value of the wrong type. {e.Message.Split(" Path:")[0]}"));
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return (null, NorthboundError.Invalid("the body is too large."));
        }
    }
}
