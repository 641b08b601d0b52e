using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Text.Encodings.Web;
using System.Text.Json.Serialization;

namespace Shoal.Server.Devices;

/// <summary>
/// Reads service data as it was stored. The gateway takes only JSON whose text every reader can read, but rows stored
/// before it checked may hold escapes that cannot become text (a lone surrogate): such a value reads as a note saying
/// so, and the rest of the answer is served as usual rather than failing whole.
/// </summary>
internal static class StoredData
{
    private static readonly JsonElement Unreadable =
        JsonDocument.Parse("""{"unreadable":"This value was stored with text that is not valid Unicode."}""").RootElement.Clone();

    /// <summary>UTF-8 that refuses what is not text rather than replacing it.</summary>
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Where one value is written before it joins the answer, so that an unreadable value leaves nothing half-written.</summary>
    [ThreadStatic]
    private static (ArrayBufferWriter<byte> Buffer, Utf8JsonWriter Writer, JavaScriptEncoder? Encoder)? scratch;

    public static JsonElement Read(string json)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            Visit(document.RootElement);
            return document.RootElement.Clone();
        }
        catch (Exception error) when (error is JsonException or InvalidOperationException)
        {
            return Unreadable;
        }
    }

    /// <summary>
    /// Writes stored JSON into an answer exactly as writing <see cref="Read"/>'s element would — the same names, values
    /// and escapes, and the same note for a value that cannot be read — token by token, without building a document.
    /// </summary>
    public static void Write(Utf8JsonWriter writer, string json, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(json);
        ArgumentNullException.ThrowIfNull(options);
        if (scratch is not { } buffers || !ReferenceEquals(buffers.Encoder, options.Encoder))
        {
            var created = new ArrayBufferWriter<byte>(512);
            buffers = (created, new Utf8JsonWriter(created, new JsonWriterOptions { Encoder = options.Encoder }), options.Encoder);
            scratch = buffers;
        }
        var (buffer, copy, _) = buffers;
        buffer.ResetWrittenCount();
        copy.Reset(buffer);
        var rented = ArrayPool<byte>.Shared.Rent(StrictUtf8.GetMaxByteCount(json.Length));
        try
        {
            var length = StrictUtf8.GetBytes(json, rented);
            if (TryCopy(rented.AsSpan(0, length), copy))
            {
                writer.WriteRawValue(buffer.WrittenSpan, skipInputValidation: true);
                return;
            }
        }
        catch (Exception error) when (error is JsonException or InvalidOperationException or ArgumentException)
        {
            // Not JSON whose every string is text: answered as the note below.
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
        Unreadable.WriteTo(writer);
    }

    /// <summary>Copies one JSON value; false when it is not exactly one complete value.</summary>
    private static bool TryCopy(ReadOnlySpan<byte> utf8, Utf8JsonWriter copy)
    {
        var reader = new Utf8JsonReader(utf8);
        var tokens = 0;
        while (reader.Read())
        {
            tokens++;
            switch (reader.TokenType)
            {
                case JsonTokenType.StartObject:
                    copy.WriteStartObject();
                    break;
                case JsonTokenType.EndObject:
                    copy.WriteEndObject();
                    break;
                case JsonTokenType.StartArray:
                    copy.WriteStartArray();
                    break;
                case JsonTokenType.EndArray:
                    copy.WriteEndArray();
                    break;
                case JsonTokenType.PropertyName when reader.ValueIsEscaped:
                    copy.WritePropertyName(reader.GetString()!);
                    break;
                case JsonTokenType.PropertyName:
                    copy.WritePropertyName(reader.ValueSpan);
                    break;
                case JsonTokenType.String when reader.ValueIsEscaped:
                    copy.WriteStringValue(reader.GetString());
                    break;
                case JsonTokenType.String:
                    copy.WriteStringValue(reader.ValueSpan);
                    break;
                case JsonTokenType.Number:
                    copy.WriteRawValue(reader.ValueSpan, skipInputValidation: true);
                    break;
                case JsonTokenType.True:
                case JsonTokenType.False:
                    copy.WriteBooleanValue(reader.TokenType == JsonTokenType.True);
                    break;
                case JsonTokenType.Null:
                    copy.WriteNullValue();
                    break;
                default:
                    return false;
            }
        }
        copy.Flush();
        return tokens > 0 && reader.CurrentDepth == 0 && copy.CurrentDepth == 0;
    }

    /// <summary>Turns every name and string into text, which throws on what a response writer could not write.</summary>
    private static void Visit(JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    _ = property.Name;
                    Visit(property.Value);
                }
                break;
            case JsonValueKind.Array:
                foreach (var item in element.EnumerateArray())
                {
                    Visit(item);
                }
                break;
            case JsonValueKind.String:
                _ = element.GetString();
                break;
        }
    }
}

/// <summary>Stored service data in an answer: written as <see cref="StoredData.Write"/> writes it.</summary>
[JsonConverter(typeof(StoredJsonConverter))]
internal readonly record struct StoredJson(string Text);

internal sealed class StoredJsonConverter : JsonConverter<StoredJson>
{
    public override StoredJson Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        throw new NotSupportedException("Stored data is only written.");

    public override void Write(Utf8JsonWriter writer, StoredJson value, JsonSerializerOptions options) =>
        StoredData.Write(writer, value.Text, options);
}
