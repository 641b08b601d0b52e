using System.Text;
using Shoal.Coap.Protocol;

namespace Shoal.Coap.Tests.Protocol;

public sealed class CoapMessageTests
{
    [Fact]
    public void Parse_Rfc7252GetTemperature_ReadsHeaderAndPath()
    {
        // RFC 7252 Appendix A, Figure 16: CON GET /temperature, MID 0x7d34, no token.
        var bytes = Convert.FromHexString("40017D34BB").Concat(Encoding.ASCII.GetBytes("temperature")).ToArray();

        var message = CoapMessage.Parse(bytes);

        Assert.Equal(CoapType.Confirmable, message.Type);
        Assert.Equal(CoapCode.Get, message.Code);
        Assert.Equal(0x7D34, message.MessageId);
        Assert.True(message.Token.IsEmpty);
        Assert.Equal("temperature", message.Path);
        Assert.Equal(bytes, message.ToBytes());
    }

    [Fact]
    public void Parse_Rfc7252PiggybackedContent_ReadsCodeAndPayload()
    {
        var bytes = Convert.FromHexString("60457D34FF").Concat(Encoding.ASCII.GetBytes("22.3 C")).ToArray();

        var message = CoapMessage.Parse(bytes);

        Assert.Equal(CoapType.Acknowledgement, message.Type);
        Assert.Equal(CoapCode.Content, message.Code);
        Assert.Equal("22.3 C", Encoding.ASCII.GetString(message.Payload.Span));
        Assert.Equal(bytes, message.ToBytes());
    }

    [Fact]
    public void ToBytes_ExtendedDeltasAndLengths_RoundTrip()
    {
        var message = new CoapMessage { Type = CoapType.NonConfirmable, Code = CoapCode.Post, MessageId = 0xBEEF, Token = new byte[] { 1, 2, 3, 4, 5, 6, 7, 8 } }
            .WithPath("rd")
            .Add(CoapOptionNumber.UriQuery, new string('q', 20))
            .Add(CoapOptionNumber.UriQuery, "lt=300")
            .Add(CoapOptionNumber.Size1, 1000u)
            .Add(2000, new byte[300])
            .Add(CoapOptionNumber.ContentFormat, (uint)CoapContentFormat.LinkFormat);
        message.Payload = Encoding.UTF8.GetBytes("</1/0>");

        var parsed = CoapMessage.Parse(message.ToBytes());

        Assert.Equal(message.ToBytes(), parsed.ToBytes());
        Assert.Equal([CoapOptionNumber.UriPath, CoapOptionNumber.ContentFormat, CoapOptionNumber.UriQuery, CoapOptionNumber.UriQuery, CoapOptionNumber.Size1, (ushort)2000],
            parsed.Options.Select(option => option.Number));
        Assert.Equal(300, parsed.GetAll(2000).Single().Value.Length);
        Assert.Equal(1000u, parsed.GetUInt(CoapOptionNumber.Size1));
        Assert.Equal(CoapContentFormat.LinkFormat, parsed.ContentFormat);
        Assert.Equal([new KeyValuePair<string, string>(new string('q', 20), ""), new("lt", "300")], parsed.Query);
    }

    [Theory]
    [InlineData("", "shorter than the header")]
    [InlineData("400100", "three bytes")]
    [InlineData("80010001", "version 2")]
    [InlineData("49010001", "token length 9")]
    [InlineData("4F010001", "token length 15")]
    [InlineData("44010001AABB", "truncated token")]
    [InlineData("40010001F1", "option delta nibble 15")]
    [InlineData("400100011F", "option length nibble 15")]
    [InlineData("40010001FF", "payload marker without payload")]
    [InlineData("40010001B561", "option value truncated")]
    [InlineData("40010001D0", "extended delta missing")]
    [InlineData("40010001E001", "two-byte extended delta truncated")]
    [InlineData("40010001E0FFFF", "option number above 65535")]
    [InlineData("41000001AA", "empty message with a token")]
    [InlineData("40000001FF61", "empty message with a payload")]
    [InlineData("40000001B0", "empty message with an option")]
    public void Parse_Malformed_ThrowsFormatError(string hex, string why)
    {
        Assert.Throws<CoapFormatException>(() => CoapMessage.Parse(Convert.FromHexString(hex)));
        Assert.NotEmpty(why);
    }

    [Fact]
    public void Parse_MalformedAfterHeader_NamesTypeMessageIdAndToken()
    {
        var exception = Assert.Throws<CoapFormatException>(() => CoapMessage.Parse(Convert.FromHexString("52011234AABBF1")));

        Assert.True(exception.HeaderRead);
        Assert.Equal(CoapType.NonConfirmable, exception.Type);
        Assert.Equal(0x1234, exception.MessageId);
        Assert.Equal(new byte[] { 0xAA, 0xBB }, exception.Token.ToArray());
    }

    [Fact]
    public void Parse_WrongVersion_DoesNotClaimAHeader()
    {
        var exception = Assert.Throws<CoapFormatException>(() => CoapMessage.Parse(Convert.FromHexString("80011234")));

        Assert.False(exception.HeaderRead);
    }

    [Fact]
    public void Parse_EmptyAck_IsFourBytes()
    {
        var message = CoapMessage.Parse(CoapMessage.EmptyBytes(CoapType.Acknowledgement, 0x0102));

        Assert.Equal(CoapType.Acknowledgement, message.Type);
        Assert.Equal(CoapCode.Empty, message.Code);
        Assert.Equal(0x0102, message.MessageId);
    }

    [Fact]
    public void Add_OutOfOrder_KeepsNumberOrderAndRepeatsInArrivalOrder()
    {
        var message = new CoapMessage()
            .Add(CoapOptionNumber.UriQuery, "b")
            .Add(CoapOptionNumber.UriPath, "x")
            .Add(CoapOptionNumber.UriQuery, "c")
            .Add(CoapOptionNumber.Observe, 0u);

        Assert.Equal([CoapOptionNumber.Observe, CoapOptionNumber.UriPath, CoapOptionNumber.UriQuery, CoapOptionNumber.UriQuery],
            message.Options.Select(option => option.Number));
        Assert.Equal(["b", "c"], message.Query.Select(pair => pair.Key));
    }

    [Theory]
    [InlineData(0u, 0)]
    [InlineData(255u, 1)]
    [InlineData(256u, 2)]
    [InlineData(70_000u, 3)]
    [InlineData(uint.MaxValue, 4)]
    public void Add_UInt_UsesShortestForm(uint value, int length)
    {
        var message = new CoapMessage().Add(CoapOptionNumber.MaxAge, value);

        Assert.Equal(length, message.Options[0].Value.Length);
        Assert.Equal(value, message.GetUInt(CoapOptionNumber.MaxAge));
    }

    [Fact]
    public void Request_Path_SplitsIntoSegments()
    {
        var request = CoapMessage.Request(CoapCode.Put, "/19/1/0");

        Assert.Equal(CoapCode.Put, request.Code);
        Assert.Equal(["19", "1", "0"], request.PathSegments);
        Assert.Equal("19/1/0", request.Path);
        Assert.Equal("", CoapMessage.Request(CoapCode.Get, "").Path);
    }

    [Fact]
    public void CreateResponse_CopiesToken()
    {
        var request = new CoapMessage { Code = CoapCode.Get, Token = new byte[] { 9, 8 } };

        var response = request.CreateResponse(CoapCode.NotFound);

        Assert.Equal(CoapCode.NotFound, response.Code);
        Assert.Equal(new byte[] { 9, 8 }, response.Token.ToArray());
    }

    [Fact]
    public void Block2_RoundTripsThroughOptionValue()
    {
        var message = new CoapMessage().Add(CoapOptionNumber.Block2, new BlockOption(5000, true, 6).ToValue());

        Assert.Equal(new BlockOption(5000, true, 6), message.Block2);
        Assert.Equal(5000 * 1024, message.Block2!.Value.Offset);
    }

    [Fact]
    public void BlockOption_ReservedSizeExponent_IsInvalid()
    {
        Assert.Null(BlockOption.FromValue(0x17));
        Assert.Equal(new BlockOption(1, false, 2), BlockOption.FromValue(0x12));
    }
}
