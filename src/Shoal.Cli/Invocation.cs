using System.CommandLine;
using System.Globalization;
using System.Text.Json;

namespace Shoal.Cli;

/// <summary>One command being run: its parsed line, the console, the chosen profile and the output mode.</summary>
internal sealed class Invocation(CliConsole console, ParseResult parse)
{
    private static readonly JsonSerializerOptions Indented = new(JsonSerializerDefaults.Web) { WriteIndented = true };
    private Profiles? _profiles;

    public CliConsole Console => console;
    public ParseResult Parse => parse;
    public bool Json => parse.GetValue<bool>("--json");
    public string ProfileName => parse.GetValue<string?>("--profile") ?? Profiles.DefaultName;
    public Profiles Profiles => _profiles ??= Profiles.Load(console.ConfigDirectory);
    public Profile Profile => Profiles.Require(ProfileName);

    public T Value<T>(Option<T> option) => parse.GetValue(option)!;
    public T Value<T>(Argument<T> argument) => parse.GetValue(argument)!;

    public ShoalApi Api() => ShoalApi.For(Profile);

    public void SaveProfiles() => Profiles.Save(console.ConfigDirectory);

    /// <summary>The one JSON document a script reads from stdout.</summary>
    public void WriteJson<T>(T value) => console.Out.WriteLine(JsonSerializer.Serialize(value, Indented));

    /// <summary>A line for people: on stdout, or on stderr when stdout carries JSON.</summary>
    public void Say(string line) => (Json ? console.Error : console.Out).WriteLine(line);

    public void Note(string line) => console.Error.WriteLine(line);

    /// <summary>Tells that <paramref name="id"/> is gone: <c>{id, deleted}</c> for scripts, "Deleted <paramref name="what"/>." for people.</summary>
    public void Deleted(string id, string what)
    {
        if (Json)
        {
            WriteJson(new { id, deleted = true });
        }
        else
        {
            Say($"Deleted {what}.");
        }
    }

    /// <summary>Either the server's JSON as it came, or a table of the named fields.</summary>
    public void Show(JsonElement value, params (string Header, string Field)[] columns)
    {
        if (Json)
        {
            WriteJson(value);
            return;
        }
        var items = value.ValueKind == JsonValueKind.Array ? value.EnumerateArray().ToList() : [value];
        if (value.ValueKind == JsonValueKind.Object && items.Count == 1)
        {
            var width = columns.Max(c => c.Header.Length);
            foreach (var (header, field) in columns)
            {
                console.Out.WriteLine($"{header.PadRight(width)}  {Field(value, field)}");
            }
            return;
        }
        Table(columns.Select(c => c.Header).ToArray(), items.Select(i => columns.Select(c => Field(i, c.Field)).ToArray()));
    }

    public void Table(string[] headers, IEnumerable<string[]> rows)
    {
        var all = rows.ToList();
        if (all.Count == 0)
        {
            console.Out.WriteLine("(none)");
            return;
        }
        var widths = headers.Select((h, i) => Math.Max(h.Length, all.Max(r => r[i].Length))).ToArray();
        console.Out.WriteLine(Line(headers.Select(h => h.ToUpperInvariant()).ToArray(), widths));
        foreach (var row in all)
        {
            console.Out.WriteLine(Line(row, widths));
        }
    }

    private static string Line(string[] cells, int[] widths) =>
        string.Join("  ", cells.Select((c, i) => i == cells.Length - 1 ? c : c.PadRight(widths[i]))).TrimEnd();

    /// <summary>A field by dotted path, as text for a table cell.</summary>
    public static string Field(JsonElement item, string path)
    {
        var current = item;
        foreach (var name in path.Split('.'))
        {
            if (current.ValueKind != JsonValueKind.Object || !current.TryGetProperty(name, out current))
            {
                return "";
            }
        }
        return current.ValueKind switch
        {
            JsonValueKind.String => current.GetString()!,
            JsonValueKind.Null or JsonValueKind.Undefined => "",
            JsonValueKind.True => "yes",
            JsonValueKind.False => "no",
            JsonValueKind.Number => current.GetRawText(),
            _ => current.GetRawText(),
        };
    }

    public static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
