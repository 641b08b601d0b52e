using System.Text.Json;

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
