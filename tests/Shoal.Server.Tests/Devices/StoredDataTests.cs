using System.Text.Json;
using Shoal.Server.Devices;
using Shoal.Server.Northbound;

namespace Shoal.Server.Tests.Devices;

/// <summary>Stored data written straight into an answer reads exactly as the element <see cref="StoredData.Read"/> gives.</summary>
public sealed class StoredDataTests
{
    [Theory]
    [InlineData("""{"temperature":21.5,"humidity":40}""")]
    [InlineData("""{ "a" : [1, 2.50, -3e+10, true, false, null, {}, []] , "b":{"c":"d"} }""")]
    [InlineData("""{"text":"caf\u00e9 é <b>&'\"\\\/\n\t","\u0041bc":"x"}""")]
    [InlineData("""{"emoji":"😀 \ud83d\ude00","cjk":"温度"}""")]
    [InlineData("""[1,"two",{"three":3}]""")]
    [InlineData("42")]
    [InlineData("\"just text\"")]
    public void Write_ReadableData_IsWhatReadWrites(string json) =>
        Assert.Equal(Serialize(StoredData.Read(json)), Serialize(new StoredJson(json)));

    [Theory]
    [InlineData("""{"v":"\ud800"}""")]
    [InlineData("""{"\udc00":1}""")]
    [InlineData("""{"v":{"deep":["\ud800x"]}}""")]
    [InlineData("""{"v":1""")]
    [InlineData("""{"v":1}{"w":2}""")]
    [InlineData("""{"v":1,}""")]
    [InlineData("")]
    [InlineData("not json")]
    public void Write_UnreadableData_IsTheNoteAndTheAnswerStaysJson(string json)
    {
        var written = Serialize(new[] { new StoredJson(json), new StoredJson("""{"ok":1}""") });

        Assert.Equal($"[{Serialize(StoredData.Read("""{"v":"\ud800"}"""))},{{\"ok\":1}}]", written);
        using var document = JsonDocument.Parse(written);
        Assert.Equal("This value was stored with text that is not valid Unicode.", document.RootElement[0].GetProperty("unreadable").GetString());
    }

    [Fact]
    public void Write_TextThatIsNotUnicode_IsTheNote() =>
        Assert.Contains("unreadable", Serialize(new StoredJson("{\"v\":\"\ud800\"}")), StringComparison.Ordinal);

    private static string Serialize<T>(T value) => JsonSerializer.Serialize(value, NorthboundJson.Options);
}
