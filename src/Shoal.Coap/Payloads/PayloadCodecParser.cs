using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Shoal.Coap.Payloads;

/// <summary>A parsed codec, or every reason the definition was refused.</summary>
internal sealed record PayloadCodecParse(PayloadCodec? Codec, IReadOnlyList<string> Errors)
{
    [MemberNotNullWhen(true, nameof(Codec))]
    public bool IsValid => Codec is not null;
}

internal sealed partial class PayloadCodec
{
    private static readonly JsonDocumentOptions Strict = new() { AllowDuplicateProperties = false, MaxDepth = 8 };

    /// <summary>Reads and checks a definition (see <see cref="PayloadCodec"/>); all problems are reported, not only the first.</summary>
    public static PayloadCodecParse Parse(string json)
    {
        if (Encoding.UTF8.GetByteCount(json) > MaxDefinitionBytes)
        {
            return Refused($"The definition is larger than {MaxDefinitionBytes} bytes.");
        }
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, Strict);
        }
        catch (JsonException error)
        {
            return Refused($"The definition is not valid JSON: {error.Message}");
        }
        // Looking for repeated names unescapes them, which throws on a name hiding a lone surrogate.
        catch (InvalidOperationException)
        {
            return Refused(NotText);
        }
        using (document)
        {
            try
            {
                return new Reader().Read(document.RootElement);
            }
            catch (InvalidOperationException)
            {
                return Refused(NotText);
            }
        }
    }

    private const string NotText = "The definition holds a \\u escape that is not text (a lone surrogate).";

    private static PayloadCodecParse Refused(string error) => new(null, [error]);

    private enum EntryKind
    {
        Message,
        Response,
        Command,
    }

    private sealed class Reader
    {
        private static readonly string[] RootNames = ["messages", "responses", "commands"];
        private static readonly string[] MessageNames = ["messageId", "serviceId", "fields"];
        private static readonly string[] ResponseNames = ["messageId", "fields"];
        private static readonly string[] CommandNames = ["messageId", "serviceId", "method", "fields"];
        private static readonly string[] FieldNames = ["name", "offset", "type", "scale", "length", "littleEndian"];

        private readonly List<string> _errors = [];
        private readonly Dictionary<int, string> _idOwners = [];
        private readonly Dictionary<(string, string), string> _commandOwners = [];
        private readonly List<PayloadMessage> _messages = [];
        private readonly List<PayloadResponse> _responses = [];
        private readonly List<PayloadCommand> _commands = [];

        public PayloadCodecParse Read(JsonElement root)
        {
            if (root.ValueKind != JsonValueKind.Object)
            {
                return Refused("The definition must be a JSON object with \"messages\", \"responses\" and/or \"commands\".");
            }
            CheckNames(root, RootNames, "The definition");
            var lists = new List<(EntryKind Kind, string Name, JsonElement Entries)>();
            foreach (var (kind, name) in new[] { (EntryKind.Message, "messages"), (EntryKind.Response, "responses"), (EntryKind.Command, "commands") })
            {
                if (!root.TryGetProperty(name, out var entries))
                {
                    continue;
                }
                if (entries.ValueKind != JsonValueKind.Array)
                {
                    _errors.Add($"\"{name}\" must be an array.");
                    continue;
                }
                lists.Add((kind, name, entries));
            }
            var count = lists.Sum(l => l.Entries.GetArrayLength());
            if (count == 0 && _errors.Count == 0)
            {
                _errors.Add("The definition declares no messages, responses or commands.");
            }
            if (count > MaxEntries)
            {
                _errors.Add($"The definition has {count} entries; at most {MaxEntries} are allowed.");
            }
            else
            {
                foreach (var (kind, name, entries) in lists)
                {
                    var index = 0;
                    foreach (var entry in entries.EnumerateArray())
                    {
                        ReadEntry(kind, $"{name}[{index++}]", entry);
                    }
                }
            }
            return _errors.Count > 0 ? new PayloadCodecParse(null, _errors) : new PayloadCodecParse(new PayloadCodec(_messages, _responses, _commands), []);
        }

        private void ReadEntry(EntryKind kind, string at, JsonElement entry)
        {
            if (entry.ValueKind != JsonValueKind.Object)
            {
                _errors.Add($"{at} must be an object.");
                return;
            }
            var errorsBefore = _errors.Count;
            int? messageId = null;
            if (!entry.TryGetProperty("messageId", out var id))
            {
                _errors.Add($"{at}: \"messageId\" is required.");
            }
            else if (!TryGetInt32(id, out var value) || value is < 0 or > 255)
            {
                _errors.Add($"{at}: \"messageId\" must be an integer from 0 to 255.");
            }
            else
            {
                messageId = value;
                at = $"{at} (messageId {value})";
                if (_idOwners.TryGetValue(value, out var owner))
                {
                    _errors.Add($"{at}: messageId {value} is already used by {owner}.");
                }
                else
                {
                    _idOwners[value] = at;
                }
            }
            CheckNames(entry, kind switch { EntryKind.Message => MessageNames, EntryKind.Response => ResponseNames, _ => CommandNames }, at);
            var serviceId = kind == EntryKind.Response ? "" : ReadName(entry, "serviceId", at);
            var method = kind == EntryKind.Command ? ReadName(entry, "method", at) : "";
            if (kind == EntryKind.Command && serviceId is not null && method is not null)
            {
                if (_commandOwners.TryGetValue((serviceId, method), out var owner))
                {
                    _errors.Add($"{at}: command {serviceId}/{method} is already declared by {owner}.");
                }
                else
                {
                    _commandOwners[(serviceId, method)] = at;
                }
            }
            var fields = ReadFields(kind, at, entry);
            if (_errors.Count > errorsBefore || messageId is not { } declaredId || fields is null || serviceId is null || method is null)
            {
                return;
            }
            var messageByte = (byte)declaredId;
            switch (kind)
            {
                case EntryKind.Message:
                    _messages.Add(new PayloadMessage(messageByte, serviceId, fields));
                    break;
                case EntryKind.Response:
                    _responses.Add(new PayloadResponse(messageByte, fields));
                    break;
                default:
                    _commands.Add(new PayloadCommand(messageByte, serviceId, method, fields));
                    break;
            }
        }

        private string? ReadName(JsonElement entry, string property, string at)
        {
            if (!entry.TryGetProperty(property, out var value))
            {
                _errors.Add($"{at}: \"{property}\" is required.");
                return null;
            }
            if (value.ValueKind != JsonValueKind.String || value.GetString() is not { Length: > 0 and <= MaxNameLength } name || name.Any(char.IsControl))
            {
                _errors.Add($"{at}: \"{property}\" must be a string of 1 to {MaxNameLength} characters, none of them control characters.");
                return null;
            }
            return name;
        }

        private List<PayloadField>? ReadFields(EntryKind kind, string at, JsonElement entry)
        {
            if (!entry.TryGetProperty("fields", out var list))
            {
                if (kind == EntryKind.Message)
                {
                    _errors.Add($"{at}: \"fields\" is required; a message without fields reports nothing.");
                    return null;
                }
                return [];
            }
            if (list.ValueKind != JsonValueKind.Array)
            {
                _errors.Add($"{at}: \"fields\" must be an array.");
                return null;
            }
            if (kind == EntryKind.Message && list.GetArrayLength() == 0)
            {
                _errors.Add($"{at}: \"fields\" is empty; a message without fields reports nothing.");
                return null;
            }
            if (list.GetArrayLength() > MaxFieldsPerEntry)
            {
                _errors.Add($"{at}: {list.GetArrayLength()} fields; at most {MaxFieldsPerEntry} are allowed per entry.");
                return null;
            }
            var fields = new List<PayloadField>();
            var names = new HashSet<string>(StringComparer.Ordinal);
            var valid = true;
            var index = 0;
            foreach (var element in list.EnumerateArray())
            {
                var field = ReadField(kind, $"{at}, fields[{index++}]", element, names);
                valid &= field is not null;
                if (field is not null)
                {
                    fields.Add(field);
                }
            }
            if (valid && kind == EntryKind.Command)
            {
                var ordered = fields.OrderBy(f => f.Offset).ToList();
                for (var i = 1; i < ordered.Count; i++)
                {
                    if (ordered[i].Offset < ordered[i - 1].End)
                    {
                        _errors.Add($"{at}: fields \"{ordered[i - 1].Name}\" and \"{ordered[i].Name}\" overlap; a command's fields cannot share bytes.");
                        valid = false;
                    }
                }
            }
            return valid ? fields : null;
        }

        private PayloadField? ReadField(EntryKind kind, string at, JsonElement element, HashSet<string> names)
        {
            if (element.ValueKind != JsonValueKind.Object)
            {
                _errors.Add($"{at} must be an object.");
                return null;
            }
            var errorsBefore = _errors.Count;
            string? name = null;
            if (!element.TryGetProperty("name", out var nameElement))
            {
                _errors.Add($"{at}: \"name\" is required.");
            }
            else if (nameElement.ValueKind != JsonValueKind.String || nameElement.GetString() is not { Length: > 0 and <= MaxNameLength } given
                || given.Any(char.IsControl))
            {
                _errors.Add($"{at}: \"name\" must be a string of 1 to {MaxNameLength} characters, none of them control characters.");
            }
            else
            {
                name = given;
                at = $"{at} (\"{given}\")";
                if (!names.Add(given))
                {
                    _errors.Add($"{at}: the name \"{given}\" is used by another field of the same entry.");
                }
            }
            CheckNames(element, FieldNames, at);

            PayloadFieldType? type = null;
            if (!element.TryGetProperty("type", out var typeElement))
            {
                _errors.Add($"{at}: \"type\" is required.");
            }
            else if (typeElement.ValueKind != JsonValueKind.String || !PayloadField.TryParseType(typeElement.GetString(), out var parsed))
            {
                _errors.Add($"{at}: \"type\" must be one of {string.Join(", ", PayloadField.TypeNames)}.");
            }
            else
            {
                type = parsed;
            }

            var (minimumOffset, reserved) = kind switch
            {
                EntryKind.Message => (1, "byte 0 holds the message ID"),
                EntryKind.Response => (4, "bytes 0 to 3 hold the message ID, mid and result code"),
                _ => (3, "bytes 0 to 2 hold the message ID and mid"),
            };
            int? offset = null;
            if (!element.TryGetProperty("offset", out var offsetElement))
            {
                _errors.Add($"{at}: \"offset\" is required.");
            }
            else if (!TryGetInt32(offsetElement, out var given) || given < minimumOffset)
            {
                _errors.Add($"{at}: \"offset\" must be an integer of at least {minimumOffset} ({reserved}).");
            }
            else
            {
                offset = given;
            }

            var length = 0;
            if (element.TryGetProperty("length", out var lengthElement))
            {
                if (type is { } known && known != PayloadFieldType.String)
                {
                    _errors.Add($"{at}: \"length\" applies only to string fields.");
                }
                else if (!TryGetInt32(lengthElement, out length) || length is < 1 or > MaxPayloadBytes)
                {
                    _errors.Add($"{at}: \"length\" must be an integer from 1 to {MaxPayloadBytes}.");
                }
            }
            else if (type == PayloadFieldType.String)
            {
                _errors.Add($"{at}: a string field needs \"length\", its size in bytes.");
            }

            decimal? scale = null;
            if (element.TryGetProperty("scale", out var scaleElement))
            {
                if (type == PayloadFieldType.String)
                {
                    _errors.Add($"{at}: \"scale\" applies only to numeric fields.");
                }
                else if (scaleElement.ValueKind != JsonValueKind.Number || !scaleElement.TryGetDecimal(out var given) || given == 0 || Math.Abs(given) is < MinScale or > MaxScale)
                {
                    _errors.Add($"{at}: \"scale\" must be a non-zero number between {MinScale.ToString(CultureInfo.InvariantCulture)} and {MaxScale.ToString(CultureInfo.InvariantCulture)} in size.");
                }
                else
                {
                    scale = given;
                }
            }

            var littleEndian = false;
            if (element.TryGetProperty("littleEndian", out var endianElement))
            {
                if (endianElement.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
                {
                    _errors.Add($"{at}: \"littleEndian\" must be true or false.");
                }
                else if (type == PayloadFieldType.String)
                {
                    _errors.Add($"{at}: \"littleEndian\" applies only to numeric fields.");
                }
                else
                {
                    littleEndian = endianElement.GetBoolean();
                }
            }

            if (_errors.Count > errorsBefore || name is null || type is not { } fieldType || offset is not { } fieldOffset)
            {
                return null;
            }
            var field = new PayloadField(name, fieldOffset, fieldType, scale, littleEndian, length);
            if (field.End > MaxPayloadBytes)
            {
                _errors.Add($"{at}: the field ends at byte {field.End}, beyond the {MaxPayloadBytes}-byte limit of a payload.");
                return null;
            }
            return field;
        }

        private static bool TryGetInt32(JsonElement element, out int value)
        {
            value = 0;
            return element.ValueKind == JsonValueKind.Number && element.TryGetInt32(out value);
        }

        /// <summary>A misspelt optional property ("scal", "littleendian") would otherwise be silently ignored.</summary>
        private void CheckNames(JsonElement element, string[] allowed, string at)
        {
            foreach (var property in element.EnumerateObject())
            {
                if (!allowed.Contains(property.Name, StringComparer.Ordinal))
                {
                    _errors.Add($"{at}: unknown property \"{property.Name}\"; expected {string.Join(", ", allowed.Select(a => $"\"{a}\""))}.");
                }
            }
        }
    }

    private const decimal MinScale = 0.000000000001m;
    private const decimal MaxScale = 1000000000000m;
}
