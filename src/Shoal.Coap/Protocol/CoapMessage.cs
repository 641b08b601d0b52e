namespace Shoal.Coap.Protocol;

internal enum CoapType : byte
{
    Confirmable = 0,
    NonConfirmable = 1,
    Acknowledgement = 2,
    Reset = 3,
}

/// <summary>A request method or response code, <c>class.detail</c> in one byte.</summary>
internal readonly record struct CoapCode(byte Value)
{
    public static readonly CoapCode Empty = new(0);
    public static readonly CoapCode Get = new(1);
    public static readonly CoapCode Post = new(2);
    public static readonly CoapCode Put = new(3);
    public static readonly CoapCode Delete = new(4);
    public static readonly CoapCode Created = Of(2, 1);
    public static readonly CoapCode Deleted = Of(2, 2);
    public static readonly CoapCode Changed = Of(2, 4);
    public static readonly CoapCode Content = Of(2, 5);
    public static readonly CoapCode Continue = Of(2, 31);
    public static readonly CoapCode BadRequest = Of(4, 0);
    public static readonly CoapCode Unauthorized = Of(4, 1);
    public static readonly CoapCode BadOption = Of(4, 2);
    public static readonly CoapCode Forbidden = Of(4, 3);
    public static readonly CoapCode NotFound = Of(4, 4);
    public static readonly CoapCode MethodNotAllowed = Of(4, 5);
    public static readonly CoapCode RequestEntityIncomplete = Of(4, 8);
    public static readonly CoapCode RequestEntityTooLarge = Of(4, 13);
    public static readonly CoapCode UnsupportedContentFormat = Of(4, 15);
    public static readonly CoapCode TooManyRequests = Of(4, 29);
    public static readonly CoapCode InternalServerError = Of(5, 0);
    public static readonly CoapCode ServiceUnavailable = Of(5, 3);

    public int Class => Value >> 5;
    public int Detail => Value & 0x1F;
    public bool IsRequest => Value is >= 1 and <= 31;
    public bool IsSuccess => Class == 2;

    public static CoapCode Of(int codeClass, int detail) => new((byte)((codeClass << 5) | detail));

    public override string ToString() => $"{Class}.{Detail:00}";
}

/// <summary>Option numbers this endpoint knows (RFC 7252, 7641, 7959).</summary>
internal static class CoapOptionNumber
{
    public const ushort IfMatch = 1;
    public const ushort UriHost = 3;
    public const ushort ETag = 4;
    public const ushort IfNoneMatch = 5;
    public const ushort Observe = 6;
    public const ushort UriPort = 7;
    public const ushort LocationPath = 8;
    public const ushort UriPath = 11;
    public const ushort ContentFormat = 12;
    public const ushort MaxAge = 14;
    public const ushort UriQuery = 15;
    public const ushort Accept = 17;
    public const ushort LocationQuery = 20;
    public const ushort Block2 = 23;
    public const ushort Block1 = 27;
    public const ushort Size2 = 28;
    public const ushort ProxyUri = 35;
    public const ushort ProxyScheme = 39;
    public const ushort Size1 = 60;
}

/// <summary>Content-Format numbers Shoal reads or writes.</summary>
internal static class CoapContentFormat
{
    public const int TextPlain = 0;
    public const int LinkFormat = 40;
    public const int OctetStream = 42;
    public const int Json = 50;
    public const int Cbor = 60;
    public const int SenmlJson = 110;
    public const int SenmlCbor = 112;
    public const int Lwm2mTlv = 11542;
    public const int Lwm2mJson = 11543;
}

internal readonly record struct CoapOption(ushort Number, ReadOnlyMemory<byte> Value)
{
    /// <summary>An unknown critical option in a request is refused with 4.02; an unknown elective one is ignored.</summary>
    public bool IsCritical => (Number & 1) == 1;
}

/// <summary>A Block1 or Block2 option value (RFC 7959): block number, more flag, size exponent (size = 16 &lt;&lt; SZX).</summary>
internal readonly record struct BlockOption(int Number, bool More, int SizeExponent)
{
    /// <summary>The largest block number a three-byte option value can carry.</summary>
    public const int MaxNumber = (1 << 20) - 1;

    public int Size => 16 << SizeExponent;
    public int Offset => Number * Size;

    /// <summary>The option's unsigned value: <c>NUM &lt;&lt; 4 | M &lt;&lt; 3 | SZX</c>.</summary>
    public uint ToValue() => ((uint)Number << 4) | (More ? 8u : 0u) | (uint)SizeExponent;

    /// <summary>Reads an option value; null when it does not fit three bytes or uses the reserved SZX 7.</summary>
    public static BlockOption? FromValue(uint value)
    {
        var sizeExponent = (int)(value & 7);
        if (value > 0xFF_FFFF || sizeExponent == 7)
        {
            return null;
        }

        return new BlockOption((int)(value >> 4), (value & 8) != 0, sizeExponent);
    }

    /// <summary>The size exponent of the largest block not bigger than <paramref name="size"/> (16 to 1024 bytes).</summary>
    public static int ExponentFor(int size)
    {
        var exponent = 0;
        while (exponent < 6 && 16 << (exponent + 1) <= size)
        {
            exponent++;
        }

        return exponent;
    }
}

/// <summary>
/// A datagram that is not a well-formed CoAP message. When its header could be read, <see cref="HeaderRead"/> is set
/// and the type, message ID and token say what to reset (a CON is answered with RST, anything else ignored).
/// </summary>
internal sealed class CoapFormatException : Exception
{
    public CoapFormatException(string message)
        : base(message)
    {
    }

    public CoapFormatException(string message, CoapType type, ushort messageId, ReadOnlyMemory<byte> token)
        : base(message)
    {
        HeaderRead = true;
        Type = type;
        MessageId = messageId;
        Token = token;
    }

    public bool HeaderRead { get; }
    public CoapType Type { get; }
    public ushort MessageId { get; }
    public ReadOnlyMemory<byte> Token { get; }
}

/// <summary>One CoAP message (RFC 7252 §3). Options are kept in number order, repeated ones in the order they came.</summary>
internal sealed class CoapMessage
{
    private const byte PayloadMarker = 0xFF;

    public CoapType Type { get; set; }
    public CoapCode Code { get; set; }
    public ushort MessageId { get; set; }
    /// <summary>0 to 8 bytes.</summary>
    public ReadOnlyMemory<byte> Token { get; set; }
    public List<CoapOption> Options { get; } = [];
    public ReadOnlyMemory<byte> Payload { get; set; }

    /// <summary>Reads one datagram; throws <see cref="CoapFormatException"/> on a message-format error.</summary>
    /// <remarks>Token, option values and payload are slices of <paramref name="datagram"/>, not copies.</remarks>
    public static CoapMessage Parse(ReadOnlyMemory<byte> datagram)
    {
        var bytes = datagram.Span;
        if (bytes.Length < 4)
        {
            throw new CoapFormatException("Shorter than the 4-byte header.");
        }

        if (bytes[0] >> 6 != 1)
        {
            throw new CoapFormatException($"Version {bytes[0] >> 6} instead of 1.");
        }

        var type = (CoapType)((bytes[0] >> 4) & 3);
        var tokenLength = bytes[0] & 0xF;
        var code = new CoapCode(bytes[1]);
        var messageId = (ushort)((bytes[2] << 8) | bytes[3]);
        if (tokenLength > 8)
        {
            throw new CoapFormatException($"Token length {tokenLength}.", type, messageId, default);
        }

        if (bytes.Length < 4 + tokenLength)
        {
            throw new CoapFormatException("Truncated token.", type, messageId, default);
        }

        var token = datagram.Slice(4, tokenLength);
        if (code == CoapCode.Empty && bytes.Length > 4)
        {
            throw new CoapFormatException("An empty message with a token, options or payload.", type, messageId, token);
        }

        var message = new CoapMessage { Type = type, Code = code, MessageId = messageId, Token = token };
        var position = 4 + tokenLength;
        var number = 0;
        while (position < bytes.Length)
        {
            var first = bytes[position++];
            if (first == PayloadMarker)
            {
                if (position == bytes.Length)
                {
                    throw new CoapFormatException("A payload marker with no payload.", type, messageId, token);
                }

                message.Payload = datagram[position..];
                break;
            }

            var delta = ReadExtended(first >> 4, bytes, ref position, type, messageId, token);
            var length = ReadExtended(first & 0xF, bytes, ref position, type, messageId, token);
            number += delta;
            if (number > ushort.MaxValue)
            {
                throw new CoapFormatException($"Option number {number}.", type, messageId, token);
            }

            if (bytes.Length - position < length)
            {
                throw new CoapFormatException($"Option {number} truncated.", type, messageId, token);
            }

            message.Options.Add(new CoapOption((ushort)number, datagram.Slice(position, length)));
            position += length;
        }

        return message;
    }

    private static int ReadExtended(int nibble, ReadOnlySpan<byte> bytes, ref int position, CoapType type, ushort messageId, ReadOnlyMemory<byte> token)
    {
        switch (nibble)
        {
            case < 13:
                return nibble;
            case 13:
                if (position + 1 > bytes.Length)
                {
                    throw new CoapFormatException("Option header truncated.", type, messageId, token);
                }

                return bytes[position++] + 13;
            case 14:
                if (position + 2 > bytes.Length)
                {
                    throw new CoapFormatException("Option header truncated.", type, messageId, token);
                }

                var value = ((bytes[position] << 8) | bytes[position + 1]) + 269;
                position += 2;
                return value;
            default:
                throw new CoapFormatException("Option nibble 15 outside a payload marker.", type, messageId, token);
        }
    }

    public byte[] ToBytes()
    {
        if (Token.Length > 8)
        {
            throw new InvalidOperationException($"A token of {Token.Length} bytes; at most 8.");
        }

        var options = Options;
        if (!IsSorted(options))
        {
            // OrderBy is stable, so repeated options keep their order.
            options = [.. options.OrderBy(option => option.Number)];
        }

        var size = 4 + Token.Length + (Payload.IsEmpty ? 0 : 1 + Payload.Length);
        var previous = 0;
        foreach (var option in options)
        {
            size += 1 + ExtendedSize(option.Number - previous) + ExtendedSize(option.Value.Length) + option.Value.Length;
            previous = option.Number;
        }

        var bytes = new byte[size];
        bytes[0] = (byte)(0x40 | ((int)Type << 4) | Token.Length);
        bytes[1] = Code.Value;
        bytes[2] = (byte)(MessageId >> 8);
        bytes[3] = (byte)MessageId;
        Token.Span.CopyTo(bytes.AsSpan(4));
        var position = 4 + Token.Length;
        previous = 0;
        foreach (var option in options)
        {
            var delta = option.Number - previous;
            var length = option.Value.Length;
            var header = position++;
            bytes[header] = (byte)((Nibble(delta) << 4) | Nibble(length));
            WriteExtended(delta, bytes, ref position);
            WriteExtended(length, bytes, ref position);
            option.Value.Span.CopyTo(bytes.AsSpan(position));
            position += length;
            previous = option.Number;
        }

        if (!Payload.IsEmpty)
        {
            bytes[position++] = PayloadMarker;
            Payload.Span.CopyTo(bytes.AsSpan(position));
        }

        return bytes;
    }

    private static bool IsSorted(List<CoapOption> options)
    {
        for (var i = 1; i < options.Count; i++)
        {
            if (options[i].Number < options[i - 1].Number)
            {
                return false;
            }
        }

        return true;
    }

    private static int ExtendedSize(int value) => value switch { < 13 => 0, < 269 => 1, _ => 2 };

    private static int Nibble(int value) => value switch { < 13 => value, < 269 => 13, _ => 14 };

    private static void WriteExtended(int value, byte[] bytes, ref int position)
    {
        if (value >= 269)
        {
            bytes[position++] = (byte)((value - 269) >> 8);
            bytes[position++] = (byte)(value - 269);
        }
        else if (value >= 13)
        {
            bytes[position++] = (byte)(value - 13);
        }
    }

    /// <summary>The Uri-Path segments joined with '/', without a leading '/': "rd/5", "19/0/0", "" for the root.</summary>
    public string Path => string.Join('/', PathSegments);

    public IReadOnlyList<string> PathSegments => GetStrings(CoapOptionNumber.UriPath);

    /// <summary>The Uri-Query values as name/value pairs split at the first '=' (value "" when there is none).</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Query
    {
        get
        {
            var pairs = new List<KeyValuePair<string, string>>();
            foreach (var value in GetStrings(CoapOptionNumber.UriQuery))
            {
                var equals = value.IndexOf('=');
                pairs.Add(equals < 0 ? new(value, "") : new(value[..equals], value[(equals + 1)..]));
            }

            return pairs;
        }
    }

    public int? ContentFormat => (int?)GetUInt(CoapOptionNumber.ContentFormat);

    /// <summary>The Observe option's value, null when absent.</summary>
    public uint? Observe => GetUInt(CoapOptionNumber.Observe);

    public BlockOption? Block1 => GetUInt(CoapOptionNumber.Block1) is { } value ? BlockOption.FromValue(value) : null;

    public BlockOption? Block2 => GetUInt(CoapOptionNumber.Block2) is { } value ? BlockOption.FromValue(value) : null;

    /// <summary>Adds an option keeping number order (after the ones of the same number).</summary>
    public CoapMessage Add(ushort number, ReadOnlyMemory<byte> value)
    {
        var index = Options.Count;
        while (index > 0 && Options[index - 1].Number > number)
        {
            index--;
        }

        Options.Insert(index, new CoapOption(number, value));
        return this;
    }

    public CoapMessage Add(ushort number, string value) => Add(number, System.Text.Encoding.UTF8.GetBytes(value));

    /// <summary>Adds an unsigned-integer option in its shortest form (0 is the empty value).</summary>
    public CoapMessage Add(ushort number, uint value)
    {
        var length = value switch { 0 => 0, < 0x100 => 1, < 0x1_0000 => 2, < 0x100_0000 => 3, _ => 4 };
        var bytes = new byte[length];
        for (var i = length - 1; i >= 0; i--)
        {
            bytes[i] = (byte)value;
            value >>= 8;
        }

        return Add(number, bytes);
    }

    /// <summary>Removes every option numbered <paramref name="number"/>.</summary>
    public CoapMessage Remove(ushort number)
    {
        Options.RemoveAll(option => option.Number == number);
        return this;
    }

    /// <summary>Adds one Uri-Path option per segment of <paramref name="path"/> ("19/1/0").</summary>
    public CoapMessage WithPath(string path)
    {
        foreach (var segment in path.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            Add(CoapOptionNumber.UriPath, segment);
        }

        return this;
    }

    /// <summary>The first option numbered <paramref name="number"/> read as an unsigned integer; null when absent or longer than 4 bytes.</summary>
    public uint? GetUInt(ushort number)
    {
        foreach (var option in Options)
        {
            if (option.Number == number)
            {
                if (option.Value.Length > 4)
                {
                    return null;
                }

                uint value = 0;
                foreach (var b in option.Value.Span)
                {
                    value = (value << 8) | b;
                }

                return value;
            }
        }

        return null;
    }

    public IEnumerable<CoapOption> GetAll(ushort number)
    {
        foreach (var option in Options)
        {
            if (option.Number == number)
            {
                yield return option;
            }
        }
    }

    /// <summary>Whether an option numbered <paramref name="number"/> is present.</summary>
    public bool Has(ushort number)
    {
        foreach (var option in Options)
        {
            if (option.Number == number)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>A response with <paramref name="code"/> to this request (token copied; type and message ID set by the endpoint).</summary>
    public CoapMessage CreateResponse(CoapCode code) => new() { Code = code, Token = Token };

    /// <summary>A request; the endpoint sets its type, message ID and token when it sends it.</summary>
    public static CoapMessage Request(CoapCode method, string path) => new CoapMessage { Code = method }.WithPath(path);

    /// <summary>A copy with the same header, options and payload (the option values and payload are shared).</summary>
    public CoapMessage Clone()
    {
        var copy = new CoapMessage { Type = Type, Code = Code, MessageId = MessageId, Token = Token, Payload = Payload };
        copy.Options.AddRange(Options);
        return copy;
    }

    private List<string> GetStrings(ushort number)
    {
        var values = new List<string>();
        foreach (var option in Options)
        {
            if (option.Number == number)
            {
                values.Add(System.Text.Encoding.UTF8.GetString(option.Value.Span));
            }
        }

        return values;
    }

    /// <summary>An empty ACK or RST for <paramref name="messageId"/>: four bytes, no token.</summary>
    public static byte[] EmptyBytes(CoapType type, ushort messageId) =>
        [(byte)(0x40 | ((int)type << 4)), 0, (byte)(messageId >> 8), (byte)messageId];
}
