using System.Text.Json;
using System.Text.Json.Serialization;

namespace Shoal.Server.Common;

/// <summary>
/// Reads every string of a JSON request body, on both APIs, and refuses text that cannot be stored and read back: a
/// NUL character (PostgreSQL refuses it) or a lone surrogate (no reader can turn it into text). The error names the
/// field, and nothing is written.
/// </summary>
internal sealed class StorableText : JsonConverter<string>
{
    public override string? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        string? text;
        try
        {
            text = reader.GetString();
        }
        catch (InvalidOperationException)
        {
            throw new JsonException("The text is not valid Unicode: it holds a lone surrogate.");
        }
        return text is not null && text.Contains('\0', StringComparison.Ordinal)
            ? throw new JsonException("The text holds a NUL character, which cannot be stored.")
            : text;
    }

    public override void Write(Utf8JsonWriter writer, string value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStringValue(value);
    }

    /// <summary>Refuses unstorable text and repeated names (the last one would otherwise silently win).</summary>
    public static void Apply(JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Converters.Add(new StorableText());
        options.AllowDuplicateProperties = false;
    }
}
