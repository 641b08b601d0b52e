using System.Buffers.Binary;
using System.Text;

namespace Shoal.Bench.Coap;

/// <summary>The few CoAP messages (RFC 7252) the generator sends and reads, encoded by hand.</summary>
internal static class CoapWire
{
    public const int Confirmable = 0;
    public const int NonConfirmable = 1;
    public const int Acknowledgement = 2;
    public const int Reset = 3;

    public const byte Empty = 0x00;
    public const byte Post = 0x02;
    public const byte Created = 0x41;
    public const byte Changed = 0x44;
    public const byte NotFound = 0x84;

    /// <summary>Header (4 bytes) and an 8-byte token: where every request's options start.</summary>
    public const int TokenEnd = 12;

    private const int UriPath = 11;
    private const int ContentFormat = 12;
    private const int UriQuery = 15;
    private const byte LinkFormat = 40;
    private const byte Json = 50;

    /// <summary>A CON <c>POST /rd?ep=…&amp;lt=…&amp;b=U</c> with the link <c>&lt;/19/0/0&gt;</c>; message ID and token are set later.</summary>
    public static byte[] Register(string endpointName, int lifetimeSeconds) => Request(
        [
            (UriPath, "rd"u8.ToArray()), (ContentFormat, [LinkFormat]),
            (UriQuery, Encoding.UTF8.GetBytes("ep=" + endpointName)), (UriQuery, Encoding.UTF8.GetBytes($"lt={lifetimeSeconds}")),
            (UriQuery, "b=U"u8.ToArray()),
        ],
        "</19/0/0>"u8);

    /// <summary>A CON <c>POST /dp</c> (LwM2M Send) of a JSON body; message ID and token are set later.</summary>
    public static byte[] Send(ReadOnlySpan<byte> payload) => Request([(UriPath, "dp"u8.ToArray()), (ContentFormat, [Json])], payload);

    /// <summary>A copy of <paramref name="template"/> with its message ID and token.</summary>
    public static byte[] Stamp(byte[] template, ushort messageId, ulong token)
    {
        var datagram = (byte[])template.Clone();
        BinaryPrimitives.WriteUInt16BigEndian(datagram.AsSpan(2), messageId);
        BinaryPrimitives.WriteUInt64BigEndian(datagram.AsSpan(4), token);
        return datagram;
    }

    /// <summary>
    /// An ACK or RST answering message <paramref name="messageId"/>: empty when <paramref name="code"/> is
    /// <see cref="Empty"/>, otherwise a piggybacked response carrying <paramref name="token"/>.
    /// </summary>
    public static byte[] Answer(int type, byte code, ushort messageId, ReadOnlySpan<byte> token)
    {
        var tokenLength = code == Empty ? 0 : token.Length;
        var datagram = new byte[4 + tokenLength];
        datagram[0] = (byte)(0x40 | (type << 4) | tokenLength);
        datagram[1] = code;
        BinaryPrimitives.WriteUInt16BigEndian(datagram.AsSpan(2), messageId);
        token[..tokenLength].CopyTo(datagram.AsSpan(4));
        return datagram;
    }

    /// <summary>Reads a datagram's header; false when it is not CoAP version 1 or its token is cut short.</summary>
    public static bool TryRead(ReadOnlySpan<byte> datagram, out int type, out byte code, out ushort messageId, out ReadOnlySpan<byte> token)
    {
        type = 0;
        code = 0;
        messageId = 0;
        token = default;
        if (datagram.Length < 4 || datagram[0] >> 6 != 1)
        {
            return false;
        }
        var tokenLength = datagram[0] & 0x0F;
        if (tokenLength > 8 || datagram.Length < 4 + tokenLength)
        {
            return false;
        }
        type = (datagram[0] >> 4) & 0x03;
        code = datagram[1];
        messageId = BinaryPrimitives.ReadUInt16BigEndian(datagram[2..]);
        token = datagram.Slice(4, tokenLength);
        return true;
    }

    /// <summary>A response code as CoAP writes it: <c>2.04</c>.</summary>
    public static string Name(byte code) => $"{code >> 5}.{code & 0x1F:D2}";

    private static byte[] Request((int Number, byte[] Value)[] options, ReadOnlySpan<byte> payload)
    {
        var bytes = new List<byte>(TokenEnd + 64 + payload.Length) { 0x40 | 8, Post, 0, 0 };
        bytes.AddRange(new byte[8]);
        var previous = 0;
        foreach (var (number, value) in options)
        {
            var delta = number - previous;
            previous = number;
            var header = bytes.Count;
            bytes.Add(0);
            bytes[header] = (byte)((Nibble(bytes, delta) << 4) | Nibble(bytes, value.Length));
            bytes.AddRange(value);
        }
        if (!payload.IsEmpty)
        {
            bytes.Add(0xFF);
            bytes.AddRange(payload.ToArray());
        }
        return [.. bytes];
    }

    /// <summary>An option delta or length as its 4-bit field, appending the extended bytes it needs.</summary>
    private static int Nibble(List<byte> bytes, int value)
    {
        switch (value)
        {
            case < 13:
                return value;
            case < 269:
                bytes.Add((byte)(value - 13));
                return 13;
            default:
                bytes.Add((byte)((value - 269) >> 8));
                bytes.Add((byte)(value - 269));
                return 14;
        }
    }
}
