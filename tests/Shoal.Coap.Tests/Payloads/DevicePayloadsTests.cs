using System.Text;
using Shoal.Coap.Payloads;

namespace Shoal.Coap.Tests.Payloads;

public sealed class DevicePayloadsTests
{
    private static readonly PayloadCodec Codec = PayloadCodecDecodeTests.Codec("""
        {"messages":[{"messageId":1,"serviceId":"Meter","fields":[{"name":"temperature","offset":1,"type":"int16","scale":0.1},{"name":"battery","offset":3,"type":"uint8"}]}],
         "responses":[{"messageId":3,"fields":[{"name":"state","offset":4,"type":"uint8"}]}],
         "commands":[{"messageId":2,"serviceId":"Switch","method":"SET","fields":[{"name":"on","offset":3,"type":"uint8"}]}]}
        """);

    private static readonly byte[] DeviceReq = Encoding.UTF8.GetBytes("""{"msgType":"deviceReq","hasMore":0,"data":[{"serviceId":"Meter","serviceData":{"temperature":21.5}}]}""");

    [Fact]
    public void Decode_DeclaredMessage_IsProperties() =>
        Assert.Equal("""{"temperature":21.5,"battery":87}""",
            Assert.IsType<UplinkPayload.Properties>(DevicePayloads.Decode(Codec, [1, 0x00, 0xD7, 87])).Services[0].DataJson);

    [Fact]
    public void Decode_DeclaredResponse_IsCommandResponse() =>
        Assert.Equal(new UplinkPayload.CommandResponse(17, 0, """{"state":1}"""), DevicePayloads.Decode(Codec, [3, 0, 17, 0, 1]));

    [Fact]
    public void Decode_ShortDeclaredMessage_IsPlain() =>
        Assert.Same(UplinkPayload.Plain.Instance, DevicePayloads.Decode(Codec, [1, 0x00]));

    [Fact]
    public void Decode_UndeclaredMessageId_IsPlain() =>
        Assert.Same(UplinkPayload.Plain.Instance, DevicePayloads.Decode(Codec, [7, 1, 2, 3]));

    [Fact]
    public void Decode_ReferenceJsonWithCodec_IsProperties() =>
        Assert.Equal("Meter", Assert.IsType<UplinkPayload.Properties>(DevicePayloads.Decode(Codec, DeviceReq)).Services[0].ServiceId);

    [Fact]
    public void Decode_ReferenceJsonWithoutCodec_IsProperties() =>
        Assert.Equal("""{"temperature":21.5}""", Assert.IsType<UplinkPayload.Properties>(DevicePayloads.Decode(null, DeviceReq)).Services[0].DataJson);

    [Fact]
    public void Decode_BinaryWithoutCodec_IsPlain() =>
        Assert.Same(UplinkPayload.Plain.Instance, DevicePayloads.Decode(null, [1, 0x00, 0xD7, 87]));

    [Fact]
    public void EncodeCommand_Declared_IsOctetStream()
    {
        var bytes = DevicePayloads.EncodeCommand(Codec, "Switch", "SET", """{"on":1}""", 17, out var contentFormat);

        Assert.Equal([2, 0, 17, 1], bytes);
        Assert.Equal(42, contentFormat);
    }

    [Fact]
    public void EncodeCommand_NotDeclared_IsCloudReqJson()
    {
        var bytes = DevicePayloads.EncodeCommand(Codec, "Switch", "GET", """{"on":1}""", 17, out var contentFormat);

        Assert.Equal(50, contentFormat);
        Assert.Equal("""{"msgType":"cloudReq","serviceId":"Switch","cmd":"GET","paras":{"on":1},"hasMore":0,"mid":17}""", Encoding.UTF8.GetString(bytes));
    }

    [Fact]
    public void EncodeCommand_WithoutCodec_IsCloudReqJson()
    {
        DevicePayloads.EncodeCommand(null, "Switch", "SET", "{}", 17, out var contentFormat);

        Assert.Equal(50, contentFormat);
    }

    [Fact]
    public void EncodeCommand_MissingParameter_ThrowsNamingIt() =>
        Assert.Equal("Switch/SET: the command has no parameter \"on\"",
            Assert.Throws<CommandEncodingException>(() => DevicePayloads.EncodeCommand(Codec, "Switch", "SET", "{}", 17, out _)).Message);

    [Theory]
    [InlineData("[1]")]
    [InlineData("{\"on\":")]
    public void TryEncodeCommand_ParametersNotAnObject_FailsWithReason(string paras)
    {
        Assert.Null(DevicePayloads.TryEncodeCommand(null, "Switch", "SET", paras, 17, out _, out var error));
        Assert.NotNull(error);
    }

    /// <summary>A device echoing a command back as a message with the same layout yields the parameters that were sent.</summary>
    [Fact]
    public void EncodeThenDecode_CommandShapedMessage_RoundTrips()
    {
        const string Fields = """
            [{"name":"flow","offset":3,"type":"int32","scale":0.01,"littleEndian":true},{"name":"label","offset":7,"type":"string","length":6},
             {"name":"ratio","offset":13,"type":"float64"},{"name":"mode","offset":21,"type":"int8"}]
            """;
        var downlink = PayloadCodecDecodeTests.Codec($$"""{"commands":[{"messageId":2,"serviceId":"Valve","method":"SET","fields":{{Fields}}}]}""");
        var uplink = PayloadCodecDecodeTests.Codec($$"""{"messages":[{"messageId":2,"serviceId":"Valve","fields":{{Fields}}}]}""");

        var bytes = DevicePayloads.EncodeCommand(downlink, "Valve", "SET", """{"flow":-12.34,"label":"d\u00e9bit","ratio":0.125,"mode":-3}""", 500, out _);
        var decoded = DevicePayloads.Decode(uplink, bytes);

        Assert.Equal("""{"flow":-12.34,"label":"d\u00E9bit","ratio":0.125,"mode":-3}""",
            Assert.IsType<UplinkPayload.Properties>(decoded).Services[0].DataJson);
    }
}
