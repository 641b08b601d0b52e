using Microsoft.AspNetCore.Http.HttpResults;

namespace Shoal.Server.Common;

internal static class FailureResults
{
    /// <summary>The ProblemDetails answer of the management API for a failure.</summary>
    public static ProblemHttpResult ToProblem(this Failure failure, HttpContext? http = null)
    {
        ArgumentNullException.ThrowIfNull(failure);
        if (failure is Throttled throttled && http is not null)
        {
            http.Response.Headers.RetryAfter = Math.Ceiling(throttled.RetryAfter.TotalSeconds).ToString("0");
        }
        var extensions = failure is InvalidInput invalid
            ? new Dictionary<string, object?> { ["errors"] = invalid.Errors }
            : null;
        return TypedResults.Problem(
            statusCode: failure.Status,
            title: failure.Title,
            detail: failure.Detail ?? (failure is InvalidInput i ? Summary(i.Errors) : null),
            extensions: extensions);
    }

    /// <summary>Field errors in one sentence per field, named as the API names them.</summary>
    public static string Summary(FieldErrors errors) =>
        string.Join(" ", errors.Select(e => $"{e.Key}: {string.Join(" ", e.Value)}"));
}
