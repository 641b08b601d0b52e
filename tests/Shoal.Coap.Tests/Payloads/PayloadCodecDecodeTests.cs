using Shoal.Coap.Payloads;

namespace Shoal.Coap.Tests.Payloads;

public sealed class PayloadCodecDecodeTests
{
    internal static PayloadCodec Codec(string json)
    {
        var parse = PayloadCodec.Parse(json);
        Assert.True(parse.IsValid, string.Join("; ", parse.Errors));
        return parse.Codec;
    }

    private static PayloadCodec OneField(string field) =>
        Codec($$"""{"messages":[{"messageId":1,"serviceId":"Meter","fields":[{{field}}]}]}""");

    private static string? DataOf(PayloadCodec codec, params byte[] payload) =>
        codec.Decode(payload) is UplinkPayload.Properties properties ? Assert.Single(properties.Services).DataJson : null;

    [Theory]
    [InlineData("uint8", new byte[] { 0xFF }, "255")]
    [InlineData("int8", new byte[] { 0xFF }, "-1")]
    [InlineData("uint16", new byte[] { 0xFF, 0xFE }, "65534")]
    [InlineData("int16", new byte[] { 0xFF, 0xFE }, "-2")]
    [InlineData("uint32", new byte[] { 0xFF, 0xFF, 0xFF, 0xFE }, "4294967294")]
    [InlineData("int32", new byte[] { 0xFF, 0xFF, 0xFF, 0xFE }, "-2")]
    [InlineData("float32", new byte[] { 0x41, 0xAC, 0x00, 0x00 }, "21.5")]
    [InlineData("float64", new byte[] { 0x40, 0x35, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00 }, "21.5")]
    public void Decode_BigEndianByDefault_ReadsEachType(string type, byte[] value, string expected)
    {
        var codec = OneField($$"""{"name":"v","offset":1,"type":"{{type}}"}""");

        Assert.Equal($$"""{"v":{{expected}}}""", DataOf(codec, [1, .. value]));
    }

    [Theory]
    [InlineData("uint16", new byte[] { 0xFE, 0xFF }, "65534")]
    [InlineData("int16", new byte[] { 0xFE, 0xFF }, "-2")]
    [InlineData("uint32", new byte[] { 0xFE, 0xFF, 0xFF, 0xFF }, "4294967294")]
    [InlineData("int32", new byte[] { 0xFE, 0xFF, 0xFF, 0xFF }, "-2")]
    [InlineData("float32", new byte[] { 0x00, 0x00, 0xAC, 0x41 }, "21.5")]
    [InlineData("float64", new byte[] { 0x00, 0x00, 0x00, 0x00, 0x00, 0x80, 0x35, 0x40 }, "21.5")]
    public void Decode_LittleEndianField_ReadsLowByteFirst(string type, byte[] value, string expected)
    {
        var codec = OneField($$"""{"name":"v","offset":1,"type":"{{type}}","littleEndian":true}""");

        Assert.Equal($$"""{"v":{{expected}}}""", DataOf(codec, [1, .. value]));
    }

    [Fact]
    public void Decode_Float32_WritesShortestText() =>
        Assert.Equal("""{"v":0.1}""", DataOf(OneField("""{"name":"v","offset":1,"type":"float32"}"""), 1, 0x3D, 0xCC, 0xCC, 0xCD));

    [Fact]
    public void Decode_FloatNotANumber_IsNull() =>
        Assert.Equal("""{"v":null}""", DataOf(OneField("""{"name":"v","offset":1,"type":"float32"}"""), 1, 0x7F, 0xC0, 0x00, 0x00));

    [Fact]
    public void Decode_Scale_MultipliesWithoutBinaryNoise() =>
        Assert.Equal("""{"v":0.3}""", DataOf(OneField("""{"name":"v","offset":1,"type":"int16","scale":0.1}"""), 1, 0x00, 0x03));

    [Fact]
    public void Decode_ScaledNegative_KeepsSign() =>
        Assert.Equal("""{"v":-21.5}""", DataOf(OneField("""{"name":"v","offset":1,"type":"int16","scale":0.1}"""), 1, 0xFF, 0x29));

    [Fact]
    public void Decode_ScaleProductWithTrailingZeros_IsWrittenPlainly() =>
        Assert.Equal("""{"v":25}""", DataOf(OneField("""{"name":"v","offset":1,"type":"uint8","scale":0.25}"""), 1, 100));

    [Fact]
    public void Decode_ScaledFloat_MultipliesItsDecimalValue() =>
        Assert.Equal("""{"v":2.15}""", DataOf(OneField("""{"name":"v","offset":1,"type":"float32","scale":0.1}"""), 1, 0x41, 0xAC, 0x00, 0x00));

    [Fact]
    public void Decode_String_TrimsTrailingNuls() =>
        Assert.Equal("""{"v":"ab"}""", DataOf(OneField("""{"name":"v","offset":1,"type":"string","length":4}"""), 1, (byte)'a', (byte)'b', 0, 0));

    [Fact]
    public void Decode_String_ReadsUtf8() =>
        Assert.Equal("\u00e9t\u00e9", System.Text.Json.JsonDocument.Parse(DataOf(OneField("""{"name":"v","offset":1,"type":"string","length":5}"""),
            [1, .. "\u00e9t\u00e9"u8])!).RootElement.GetProperty("v").GetString());

    [Fact]
    public void Decode_StringWithInnerNul_IsNotDecoded() =>
        Assert.Null(OneField("""{"name":"v","offset":1,"type":"string","length":3}""").Decode([1, (byte)'a', 0, (byte)'b']));

    [Fact]
    public void Decode_StringNotUtf8_IsNotDecoded() =>
        Assert.Null(OneField("""{"name":"v","offset":1,"type":"string","length":2}""").Decode([1, 0xC3, 0x28]));

    [Fact]
    public void Decode_Example_ReadsPropertiesOfItsService()
    {
        var codec = Codec("""{"messages":[{"messageId":1,"serviceId":"Meter","fields":[{"name":"temperature","offset":1,"type":"int16","scale":0.1},{"name":"battery","offset":3,"type":"uint8"}]}]}""");

        var properties = Assert.IsType<UplinkPayload.Properties>(codec.Decode([1, 0x00, 0xD7, 87]));

        Assert.Equal(new ServiceProperties("Meter", """{"temperature":21.5,"battery":87}""", null), Assert.Single(properties.Services));
    }

    [Fact]
    public void Decode_PayloadLongerThanFields_IgnoresTheRest() =>
        Assert.Equal("""{"v":7}""", DataOf(OneField("""{"name":"v","offset":1,"type":"uint8"}"""), 1, 7, 8, 9));

    [Fact]
    public void Decode_PayloadShorterThanAField_IsNotDecoded() =>
        Assert.Null(OneField("""{"name":"v","offset":1,"type":"uint16"}""").Decode([1, 0x00]));

    [Fact]
    public void Decode_UndeclaredMessageId_IsNotDecoded() =>
        Assert.Null(OneField("""{"name":"v","offset":1,"type":"uint8"}""").Decode([9, 0x00]));

    [Fact]
    public void Decode_EmptyPayload_IsNotDecoded() =>
        Assert.Null(OneField("""{"name":"v","offset":1,"type":"uint8"}""").Decode([]));

    [Fact]
    public void Decode_CommandMessageId_IsNotAnUplink() =>
        Assert.Null(Codec("""{"commands":[{"messageId":2,"serviceId":"Switch","method":"SET"}]}""").Decode([2, 0, 17]));

    [Fact]
    public void Decode_Response_ReadsMidResultAndBody()
    {
        var codec = Codec("""{"responses":[{"messageId":3,"fields":[{"name":"state","offset":4,"type":"uint8"}]}]}""");

        var response = codec.Decode([3, 0x01, 0x02, 5, 1]);

        Assert.Equal(new UplinkPayload.CommandResponse(0x0102, 5, """{"state":1}"""), response);
    }

    [Fact]
    public void Decode_ResponseWithoutFields_HasEmptyBody() =>
        Assert.Equal(new UplinkPayload.CommandResponse(17, 0, "{}"), Codec("""{"responses":[{"messageId":3}]}""").Decode([3, 0, 17, 0]));

    [Fact]
    public void Decode_ResponseShorterThanItsHeader_IsNotDecoded() =>
        Assert.Null(Codec("""{"responses":[{"messageId":3}]}""").Decode([3, 0, 17]));

    [Fact]
    public void Decode_ResponseShorterThanAField_IsNotDecoded() =>
        Assert.Null(Codec("""{"responses":[{"messageId":3,"fields":[{"name":"state","offset":4,"type":"uint8"}]}]}""").Decode([3, 0, 17, 0]));
}
