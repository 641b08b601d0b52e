using System.Text.Json;

namespace Shoal.Coap.Payloads;

/// <summary>
/// JSON taken from a device is stored and read again by pushes, history, rules and the APIs, so it is accepted only when
/// every one of them can read it: UTF-8, no repeated names, and no escape that hides a NUL or a lone surrogate.
/// </summary>
internal static class StorableJson
{
    private static readonly JsonDocumentOptions Strict = new() { AllowDuplicateProperties = false };

    /// <summary>The parsed payload, or null when it is not JSON every reader can read.</summary>
    public static JsonDocument? Parse(ReadOnlySpan<byte> payload)
    {
        if (!System.Text.Unicode.Utf8.IsValid(payload) || !EscapesAreStorable(payload))
        {
            return null;
        }
        try
        {
            return JsonDocument.Parse(payload.ToArray(), Strict);
        }
        // Comparing names for repeats unescapes them, which throws on a name hiding a lone surrogate.
        catch (Exception error) when (error is JsonException or InvalidOperationException)
        {
            return null;
        }
    }

    private static bool EscapesAreStorable(ReadOnlySpan<byte> payload)
    {
        if (!payload.Contains((byte)'\\'))
        {
            return true;
        }
        var reader = new Utf8JsonReader(payload);
        try
        {
            while (reader.Read())
            {
                if (reader.TokenType is JsonTokenType.PropertyName or JsonTokenType.String && reader.ValueIsEscaped
                    && reader.GetString()!.Contains('\0', StringComparison.Ordinal))
                {
                    return false;
                }
            }
        }
        catch (Exception error) when (error is JsonException or InvalidOperationException)
        {
            return false;
        }
        return true;
    }
}
