using System.Text;

namespace Shoal.Server.Common;

/// <summary>CSV as RFC 4180 writes it: fields between commas, quoted when they hold a comma, a quote or a line break.</summary>
internal static class Csv
{
    /// <summary>One field, quoted only when it must be.</summary>
    public static string Field(string? value) =>
        value is null ? "" : value.AsSpan().IndexOfAny(",\"\r\n") < 0 ? value : "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    /// <summary>RFC 4180 records: commas between fields, quoted fields may hold commas, line breaks and doubled quotes.</summary>
    public static bool TryRead(string csv, List<(int Line, List<string> Fields)> records, out string? error)
    {
        error = null;
        var line = 1;
        var i = 0;
        while (i < csv.Length)
        {
            var start = line;
            var fields = new List<string>();
            var field = new StringBuilder();
            var ended = false;
            while (!ended)
            {
                if (i < csv.Length && csv[i] == '"')
                {
                    i++;
                    while (true)
                    {
                        if (i >= csv.Length)
                        {
                            error = $"A quoted field that starts on line {start} is never closed.";
                            return false;
                        }
                        if (csv[i] == '"')
                        {
                            if (i + 1 < csv.Length && csv[i + 1] == '"')
                            {
                                field.Append('"');
                                i += 2;
                                continue;
                            }
                            i++;
                            break;
                        }
                        if (csv[i] == '\n')
                        {
                            line++;
                        }
                        field.Append(csv[i++]);
                    }
                    if (i < csv.Length && csv[i] is not (',' or '\r' or '\n'))
                    {
                        error = $"Line {line} has text after a closing quote; a quote inside a quoted field is written twice.";
                        return false;
                    }
                }
                else
                {
                    while (i < csv.Length && csv[i] is not (',' or '\r' or '\n'))
                    {
                        if (csv[i] == '"')
                        {
                            error = $"Line {line} has a quote inside an unquoted field; quote the whole field and write the quote twice.";
                            return false;
                        }
                        field.Append(csv[i++]);
                    }
                }
                fields.Add(field.ToString());
                field.Clear();
                if (i < csv.Length && csv[i] == ',')
                {
                    i++;
                    continue;
                }
                if (i < csv.Length && csv[i] == '\r')
                {
                    i++;
                }
                if (i < csv.Length && csv[i] == '\n')
                {
                    i++;
                    line++;
                }
                ended = true;
            }
            // Blank lines (a trailing line break, say) hold no record.
            if (fields is not [""])
            {
                records.Add((start, fields));
            }
        }
        return true;
    }
}
