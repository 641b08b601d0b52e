using System.Text;

namespace Shoal.Coap.Protocol;

/// <summary>One link of a CoRE link-format document: its target ("/3/0") and its attributes ("rt" → "oma.lwm2m").</summary>
internal sealed record CoreLink(string Target, IReadOnlyDictionary<string, string> Attributes);

/// <summary>
/// Reads RFC 6690 CoRE link format as LwM2M registration bodies use it:
/// <c>&lt;/&gt;;rt="oma.lwm2m";ct=11543,&lt;/1/0&gt;,&lt;/3/0&gt;</c>.
/// </summary>
internal static class LinkFormat
{
    /// <summary>The links of <paramref name="body"/> in order; an attribute without a value reads as "". Throws <see cref="FormatException"/> when malformed.</summary>
    public static IReadOnlyList<CoreLink> Parse(string body)
    {
        var links = new List<CoreLink>();
        var position = SkipSpace(body, 0);
        if (position == body.Length)
        {
            return links;
        }

        while (true)
        {
            links.Add(ReadLink(body, ref position));
            position = SkipSpace(body, position);
            if (position == body.Length)
            {
                return links;
            }

            if (body[position] != ',')
            {
                throw new FormatException($"Expected ',' at {position} of the link format.");
            }

            position = SkipSpace(body, position + 1);
        }
    }

    public static IReadOnlyList<CoreLink> Parse(ReadOnlySpan<byte> body) => Parse(Encoding.UTF8.GetString(body));

    private static CoreLink ReadLink(string body, ref int position)
    {
        if (position >= body.Length || body[position] != '<')
        {
            throw new FormatException($"Expected '<' at {position} of the link format.");
        }

        var close = body.IndexOf('>', position + 1);
        if (close < 0)
        {
            throw new FormatException("A link target without '>'.");
        }

        var target = body[(position + 1)..close];
        if (target.AsSpan().IndexOfAny('<', ',') >= 0)
        {
            throw new FormatException($"A malformed link target at {position}.");
        }

        position = close + 1;
        var attributes = new Dictionary<string, string>(StringComparer.Ordinal);
        while (true)
        {
            position = SkipSpace(body, position);
            if (position >= body.Length || body[position] != ';')
            {
                return new CoreLink(target, attributes);
            }

            position = SkipSpace(body, position + 1);
            var nameStart = position;
            while (position < body.Length && IsNameCharacter(body[position]))
            {
                position++;
            }

            if (position == nameStart)
            {
                throw new FormatException($"An attribute without a name at {position}.");
            }

            var name = body[nameStart..position];
            var value = "";
            if (position < body.Length && body[position] == '=')
            {
                position++;
                value = position < body.Length && body[position] == '"' ? ReadQuoted(body, ref position) : ReadToken(body, ref position);
            }

            attributes.TryAdd(name, value);
        }
    }

    private static string ReadQuoted(string body, ref int position)
    {
        var value = new StringBuilder();
        position++;
        while (position < body.Length)
        {
            var character = body[position++];
            if (character == '"')
            {
                return value.ToString();
            }

            if (character == '\\')
            {
                if (position == body.Length)
                {
                    break;
                }

                character = body[position++];
            }

            value.Append(character);
        }

        throw new FormatException("An unterminated quoted attribute value.");
    }

    private static string ReadToken(string body, ref int position)
    {
        var start = position;
        while (position < body.Length && body[position] is not (';' or ',' or '"' or '<' or '>') && !char.IsWhiteSpace(body[position]))
        {
            position++;
        }

        if (position == start)
        {
            throw new FormatException($"An empty attribute value at {position}.");
        }

        return body[start..position];
    }

    private static bool IsNameCharacter(char character) =>
        char.IsAsciiLetterOrDigit(character) || character is '!' or '#' or '$' or '&' or '+' or '-' or '.' or '^' or '_' or '`' or '|' or '~' or '*';

    private static int SkipSpace(string body, int position)
    {
        while (position < body.Length && char.IsWhiteSpace(body[position]))
        {
            position++;
        }

        return position;
    }
}
