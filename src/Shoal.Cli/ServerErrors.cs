using System.Net;
using System.Text;
using System.Text.Json;

namespace Shoal.Cli;

/// <summary>Turns a refused request into plain words and the exit code a script can rely on.</summary>
internal static class ServerErrors
{
    public static async Task<CliException> FromAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        return new CliException(CodeOf(response.StatusCode), $"{Describe(response.StatusCode, text)}");
    }

    public static int CodeOf(HttpStatusCode status) => (int)status switch
    {
        401 or 403 => ExitCodes.Auth,
        >= 500 => ExitCodes.Unavailable,
        _ => ExitCodes.Refused,
    };

    /// <summary>ProblemDetails (title, detail, errors by field), the northbound error body, or the status alone.</summary>
    private static string Describe(HttpStatusCode status, string body)
    {
        var words = new StringBuilder($"The server answered {(int)status} {ReasonOf(status)}");
        try
        {
            using var json = JsonDocument.Parse(body);
            var root = json.RootElement;
            if (root.ValueKind == JsonValueKind.Object)
            {
                var hasFieldErrors = root.TryGetProperty("errors", out var errors) && errors.ValueKind == JsonValueKind.Object;
                // The detail repeats the field errors in one line; they read better one field a line.
                var detail = hasFieldErrors ? null : Text(root, "detail");
                var northbound = Text(root, "error_desc");
                foreach (var part in new[] { Text(root, "title"), detail, northbound is null ? null : $"{northbound} (error {Text(root, "error_code")})" })
                {
                    if (!string.IsNullOrEmpty(part) && part != ReasonOf(status))
                    {
                        words.Append(": ").Append(part.TrimEnd('.'));
                    }
                }
                words.Append('.');
                if (hasFieldErrors)
                {
                    foreach (var field in errors.EnumerateObject())
                    {
                        var messages = field.Value.ValueKind == JsonValueKind.Array
                            ? string.Join(" ", field.Value.EnumerateArray().Select(m => m.ToString()))
                            : field.Value.ToString();
                        words.Append(Environment.NewLine).Append("  ").Append(field.Name).Append(": ").Append(messages);
                    }
                }
                return words.ToString();
            }
        }
        catch (JsonException)
        {
        }
        return words.Append('.').ToString();
    }

    private static string? Text(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static string ReasonOf(HttpStatusCode status) => status switch
    {
        HttpStatusCode.NotFound => "Not Found",
        HttpStatusCode.BadRequest => "Bad Request",
        HttpStatusCode.Unauthorized => "Unauthorized",
        HttpStatusCode.Forbidden => "Forbidden",
        HttpStatusCode.Conflict => "Conflict",
        _ => status.ToString(),
    };
}
