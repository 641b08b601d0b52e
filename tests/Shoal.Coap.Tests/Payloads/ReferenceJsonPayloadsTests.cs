using System.Text;
using System.Text.Json;
using Shoal.Coap.Payloads;

namespace Shoal.Coap.Tests.Payloads;

public sealed class ReferenceJsonPayloadsTests
{
    private static UplinkPayload? Read(string json) => ReferenceJsonPayloads.Read(Encoding.UTF8.GetBytes(json));

    [Fact]
    public void Read_DeviceReq_ReadsEachServiceWithItsTime()
    {
        var report = Assert.IsType<UplinkPayload.Properties>(Read("""
            {"msgType":"deviceReq","hasMore":0,"data":[
              {"serviceId":"Meter","serviceData":{"temperature":21.5},"eventTime":"20261206T101010Z"},
              {"serviceId":"Battery","serviceData":{"level":87}}]}
            """));

        Assert.Equal(
            [
                new ServiceProperties("Meter", """{"temperature":21.5}""", new DateTimeOffset(2026, 12, 6, 10, 10, 10, TimeSpan.Zero)),
                new ServiceProperties("Battery", """{"level":87}""", null),
            ],
            report.Services);
    }

    [Fact]
    public void Read_DeviceReqWithUnreadableTime_HasNoTime() =>
        Assert.Null(Assert.IsType<UplinkPayload.Properties>(
            Read("""{"msgType":"deviceReq","data":[{"serviceId":"Meter","serviceData":{"t":1},"eventTime":"2026-12-06"}]}""")).Services[0].EventTime);

    [Theory]
    [InlineData("""{"msgType":"deviceReq","data":[]}""")]
    [InlineData("""{"msgType":"deviceReq"}""")]
    [InlineData("""{"msgType":"deviceReq","data":[{"serviceId":"","serviceData":{}}]}""")]
    [InlineData("""{"msgType":"deviceReq","data":[{"serviceId":"Meter","serviceData":[1]}]}""")]
    [InlineData("""{"msgType":"deviceReq","data":[{"serviceData":{"t":1}}]}""")]
    public void Read_MalformedDeviceReq_IsNotReference(string json) => Assert.Null(Read(json));

    [Fact]
    public void Read_DeviceRsp_ReadsMidCodeAndBody() =>
        Assert.Equal(new UplinkPayload.CommandResponse(17, 0, """{"state":"on"}"""),
            Read("""{"msgType":"deviceRsp","mid":17,"errcode":0,"body":{"state":"on"}}"""));

    [Fact]
    public void Read_DeviceRspWithoutBody_HasEmptyBody() =>
        Assert.Equal(new UplinkPayload.CommandResponse(17, 1, "{}"), Read("""{"msgType":"deviceRsp","mid":17,"errcode":1}"""));

    [Theory]
    [InlineData("""{"msgType":"deviceRsp","errcode":0}""")]
    [InlineData("""{"msgType":"deviceRsp","mid":"17","errcode":0}""")]
    [InlineData("""{"msgType":"deviceRsp","mid":17,"errcode":0,"body":"done"}""")]
    public void Read_MalformedDeviceRsp_IsNotReference(string json) => Assert.Null(Read(json));

    [Theory]
    [InlineData("""{"temperature":21.5}""")]
    [InlineData("""{"msgType":"cloudReq","serviceId":"Switch","cmd":"SET","paras":{},"mid":1}""")]
    [InlineData("""{"msgType":"deviceReq","msgType":"deviceReq","data":[{"serviceId":"Meter","serviceData":{"t":1}}]}""")]
    [InlineData("""{"msgType":"deviceReq","data":[{"serviceId":"Meter","serviceData":{"t":"a\u0000"}}]}""")]
    [InlineData("""{"msgType":"deviceReq",""")]
    [InlineData("hello")]
    public void Read_OtherText_IsNotReference(string text) => Assert.Null(Read(text));

    [Fact]
    public void Read_InvalidUtf8_IsNotReference() =>
        Assert.Null(ReferenceJsonPayloads.Read([.. """{"msgType":"deviceRsp","mid":1,"errcode":0,"body":{"a":"x"""u8, 0xC3, 0x28, .. "\"}}"u8]));

    [Fact]
    public void CommandRequest_WritesCloudReq()
    {
        using var paras = JsonDocument.Parse("""{"on":1}""");

        var bytes = ReferenceJsonPayloads.CommandRequest("Switch", "SET", paras.RootElement, 17);

        Assert.Equal("""{"msgType":"cloudReq","serviceId":"Switch","cmd":"SET","paras":{"on":1},"hasMore":0,"mid":17}""", Encoding.UTF8.GetString(bytes));
    }
}
