using System.Buffers;
using System.Text.Json;

namespace Shoal.Gateway;

/// <summary>
/// JSON a device sends is stored and read again later, by pushes, history, rules and the APIs. It is taken only if every
/// reader can read it: well-formed, no duplicate names, and no string whose escapes hide a NUL or a lone surrogate
/// (text that System.Text.Json parses here but refuses to turn into a string, and that PostgreSQL cannot store).
/// </summary>
internal static class DeviceJson
{
    private static readonly JsonDocumentOptions Strict = new() { AllowDuplicateProperties = false };

    /// <summary>The parsed payload, or null when it is not JSON every reader can read.</summary>
    public static JsonDocument? Parse(ReadOnlySequence<byte> payload)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(payload, Strict);
        }
        // Looking for repeated names unescapes them, which throws on a name that hides a lone surrogate.
        catch (Exception error) when (error is JsonException or InvalidOperationException)
        {
            return null;
        }
        if (!HasOnlyStorableText(payload))
        {
            document.Dispose();
            return null;
        }
        return document;
    }

    public static bool IsStorable(ReadOnlySequence<byte> payload)
    {
        using var document = Parse(payload);
        return document is not null;
    }

    /// <summary>
    /// The parser does not check that raw text is UTF-8, so the payload is checked whole; unescaped text then has no
    /// control characters, and only escapes need a look.
    /// </summary>
    private static bool HasOnlyStorableText(ReadOnlySequence<byte> payload)
    {
        if (!System.Text.Unicode.Utf8.IsValid(payload.IsSingleSegment ? payload.FirstSpan : payload.ToArray()))
        {
            return false;
        }
        if (payload.PositionOf((byte)'\\') is null)
        {
            return true;
        }
        var reader = new Utf8JsonReader(payload);
        while (reader.Read())
        {
            if (reader.TokenType is JsonTokenType.PropertyName or JsonTokenType.String && reader.ValueIsEscaped)
            {
                try
                {
                    if (reader.GetString()!.Contains('\0', StringComparison.Ordinal))
                    {
                        return false;
                    }
                }
                catch (InvalidOperationException)
                {
                    return false;
                }
            }
        }
        return true;
    }
}
