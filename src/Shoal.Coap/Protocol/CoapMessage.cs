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
    public int Size => 16 << SizeExponent;
    public int Offset => Number * Size;
}

/// <summary>A datagram that is not a well-formed CoAP message.</summary>
internal sealed class CoapFormatException(string message) : Exception(message)
{
}

/// <summary>One CoAP message (RFC 7252 §3). Options are kept in number order, repeated ones in the order they came.</summary>
internal sealed class CoapMessage
{
    public CoapType Type { get; set; }
    public CoapCode Code { get; set; }
    public ushort MessageId { get; set; }
    /// <summary>0 to 8 bytes.</summary>
    public ReadOnlyMemory<byte> Token { get; set; }
    public List<CoapOption> Options { get; } = [];
    public ReadOnlyMemory<byte> Payload { get; set; }

    /// <summary>Reads one datagram; throws <see cref="CoapFormatException"/> on a message-format error.</summary>
    public static CoapMessage Parse(ReadOnlyMemory<byte> datagram) => throw new NotImplementedException();

    public byte[] ToBytes() => throw new NotImplementedException();

    /// <summary>The Uri-Path segments joined with '/', without a leading '/': "rd/5", "19/0/0", "" for the root.</summary>
    public string Path => throw new NotImplementedException();

    public IReadOnlyList<string> PathSegments => throw new NotImplementedException();

    /// <summary>The Uri-Query values as name/value pairs split at the first '=' (value "" when there is none).</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Query => throw new NotImplementedException();

    public int? ContentFormat => throw new NotImplementedException();

    /// <summary>The Observe option's value, null when absent.</summary>
    public uint? Observe => throw new NotImplementedException();

    public BlockOption? Block1 => throw new NotImplementedException();

    public BlockOption? Block2 => throw new NotImplementedException();

    /// <summary>Adds an option keeping number order (after the ones of the same number).</summary>
    public CoapMessage Add(ushort number, ReadOnlyMemory<byte> value) => throw new NotImplementedException();

    public CoapMessage Add(ushort number, string value) => throw new NotImplementedException();

    /// <summary>Adds an unsigned-integer option in its shortest form (0 is the empty value).</summary>
    public CoapMessage Add(ushort number, uint value) => throw new NotImplementedException();

    /// <summary>Adds one Uri-Path option per segment of <paramref name="path"/> ("19/1/0").</summary>
    public CoapMessage WithPath(string path) => throw new NotImplementedException();

    public uint? GetUInt(ushort number) => throw new NotImplementedException();

    public IEnumerable<CoapOption> GetAll(ushort number) => throw new NotImplementedException();

    /// <summary>A response with <paramref name="code"/> to this request (token copied; type and message ID set by the endpoint).</summary>
    public CoapMessage CreateResponse(CoapCode code) => throw new NotImplementedException();

    /// <summary>A request; the endpoint sets its type, message ID and token when it sends it.</summary>
    public static CoapMessage Request(CoapCode method, string path) => throw new NotImplementedException();
}

