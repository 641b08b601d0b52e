namespace Shoal.Server.Common;

/// <summary>Validation messages by field name (camelCase, as the API spells it).</summary>
internal sealed class FieldErrors : Dictionary<string, string[]>
{
    public void Add(string field, string message) =>
        this[field] = TryGetValue(field, out var existing) ? [.. existing, message] : [message];

    public bool Any => Count > 0;

    public static FieldErrors Of(string field, string message) => new() { { field, message } };
}
