using System.Text.Json;
using Shoal.Coap.Payloads;

namespace Shoal.Coap.Tests.Payloads;

public sealed class PayloadCodecEncodeTests
{
    private static PayloadCodec Command(string fields) =>
        PayloadCodecDecodeTests.Codec($$"""{"commands":[{"messageId":2,"serviceId":"Switch","method":"SET","fields":[{{fields}}]}]}""");

    private static byte[]? Encode(PayloadCodec codec, string paras, out string? error, ushort mid = 17)
    {
        using var document = JsonDocument.Parse(paras);
        return codec.Encode("Switch", "SET", document.RootElement, mid, out error);
    }

    private static byte[] Encoded(string field, string paras)
    {
        var bytes = Encode(Command(field), paras, out var error);
        Assert.Null(error);
        return bytes!;
    }

    private static string Error(string field, string paras)
    {
        Assert.Null(Encode(Command(field), paras, out var error));
        return error!;
    }

    [Fact]
    public void Encode_Example_WritesIdMidAndField() =>
        Assert.Equal([2, 0x01, 0x02, 1], Encode(Command("""{"name":"on","offset":3,"type":"uint8"}"""), """{"on":1}""", out _, mid: 0x0102));

    [Fact]
    public void Encode_NoFields_IsHeaderOnly() =>
        Assert.Equal([2, 0, 17], Encode(PayloadCodecDecodeTests.Codec("""{"commands":[{"messageId":2,"serviceId":"Switch","method":"SET"}]}"""), "{}", out _));

    [Fact]
    public void Encode_GapBetweenFields_IsZero() =>
        Assert.Equal([2, 0, 17, 0, 0, 9], Encoded("""{"name":"level","offset":5,"type":"uint8"}""", """{"level":9}"""));

    [Theory]
    [InlineData("uint8", "200", new byte[] { 200 })]
    [InlineData("int8", "-2", new byte[] { 0xFE })]
    [InlineData("uint16", "65534", new byte[] { 0xFF, 0xFE })]
    [InlineData("int16", "-2", new byte[] { 0xFF, 0xFE })]
    [InlineData("uint32", "4294967294", new byte[] { 0xFF, 0xFF, 0xFF, 0xFE })]
    [InlineData("int32", "-2", new byte[] { 0xFF, 0xFF, 0xFF, 0xFE })]
    [InlineData("float32", "21.5", new byte[] { 0x41, 0xAC, 0x00, 0x00 })]
    [InlineData("float64", "21.5", new byte[] { 0x40, 0x35, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00 })]
    public void Encode_EachType_WritesBigEndian(string type, string value, byte[] expected) =>
        Assert.Equal([2, 0, 17, .. expected], Encoded($$"""{"name":"v","offset":3,"type":"{{type}}"}""", $$"""{"v":{{value}}}"""));

    [Theory]
    [InlineData("uint16", "65534", new byte[] { 0xFE, 0xFF })]
    [InlineData("int32", "-2", new byte[] { 0xFE, 0xFF, 0xFF, 0xFF })]
    [InlineData("float32", "21.5", new byte[] { 0x00, 0x00, 0xAC, 0x41 })]
    public void Encode_LittleEndianField_WritesLowByteFirst(string type, string value, byte[] expected) =>
        Assert.Equal([2, 0, 17, .. expected], Encoded($$"""{"name":"v","offset":3,"type":"{{type}}","littleEndian":true}""", $$"""{"v":{{value}}}"""));

    [Fact]
    public void Encode_Scale_DividesAndRounds() =>
        Assert.Equal([2, 0, 17, 0x00, 0xD8], Encoded("""{"name":"v","offset":3,"type":"int16","scale":0.1}""", """{"v":21.55}"""));

    [Fact]
    public void Encode_ScaleNegativeHalf_RoundsAwayFromZero() =>
        Assert.Equal([2, 0, 17, 0xFD], Encoded("""{"name":"v","offset":3,"type":"int8","scale":2}""", """{"v":-5}"""));

    [Fact]
    public void Encode_String_PadsWithNuls() =>
        Assert.Equal([2, 0, 17, (byte)'o', (byte)'k', 0, 0], Encoded("""{"name":"v","offset":3,"type":"string","length":4}""", """{"v":"ok"}"""));

    [Fact]
    public void Encode_StringLongerThanField_NamesTheField() =>
        Assert.Equal("Switch/SET: parameter \"v\" is longer than the field's 2 bytes",
            Error("""{"name":"v","offset":3,"type":"string","length":2}""", """{"v":"abc"}"""));

    [Fact]
    public void Encode_StringWithLoneSurrogate_NamesTheField() =>
        Assert.Equal("Switch/SET: parameter \"v\" is not valid text",
            Error("""{"name":"v","offset":3,"type":"string","length":2}""", """{"v":"\ud800"}"""));

    [Fact]
    public void Encode_StringFieldGivenNumber_NamesTheField() =>
        Assert.Equal("Switch/SET: parameter \"v\" must be a string", Error("""{"name":"v","offset":3,"type":"string","length":2}""", """{"v":1}"""));

    [Fact]
    public void Encode_MissingParameter_NamesTheField() =>
        Assert.Equal("Switch/SET: the command has no parameter \"on\"", Error("""{"name":"on","offset":3,"type":"uint8"}""", """{"off":1}"""));

    [Theory]
    [InlineData("\"1\"")]
    [InlineData("true")]
    [InlineData("null")]
    public void Encode_NonNumericParameter_NamesTheField(string value) =>
        Assert.Equal("Switch/SET: parameter \"on\" must be a number", Error("""{"name":"on","offset":3,"type":"uint8"}""", $$"""{"on":{{value}}}"""));

    [Theory]
    [InlineData("uint8", "256")]
    [InlineData("uint8", "-1")]
    [InlineData("int8", "128")]
    [InlineData("uint16", "65536")]
    [InlineData("int32", "2147483648")]
    [InlineData("uint32", "1e40")]
    [InlineData("float32", "1e39")]
    public void Encode_ValueOutOfRange_NamesTheFieldAndType(string type, string value) =>
        Assert.Equal($"Switch/SET: parameter \"v\" is out of range for {type}", Error($$"""{"name":"v","offset":3,"type":"{{type}}"}""", $$"""{"v":{{value}}}"""));

    [Fact]
    public void Encode_ScaledValueOutOfRange_NamesTheScale() =>
        Assert.Equal("Switch/SET: parameter \"v\" is out of range for uint8 with scale 0.1",
            Error("""{"name":"v","offset":3,"type":"uint8","scale":0.1}""", """{"v":25.6}"""));

    [Fact]
    public void Encode_UndeclaredCommand_SaysSo()
    {
        using var paras = JsonDocument.Parse("{}");

        Assert.Null(Command("""{"name":"on","offset":3,"type":"uint8"}""").Encode("Switch", "GET", paras.RootElement, 1, out var error));
        Assert.Equal("the codec declares no command Switch/GET", error);
    }
}
