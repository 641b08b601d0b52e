using Shoal.Coap.Payloads;

namespace Shoal.Coap.Tests.Payloads;

public sealed class PayloadCodecParseTests
{
    private const string Example = """
        {"messages":[{"messageId":1,"serviceId":"Meter","fields":[{"name":"temperature","offset":1,"type":"int16","scale":0.1},{"name":"battery","offset":3,"type":"uint8"}]}],
         "responses":[{"messageId":3,"fields":[{"name":"state","offset":4,"type":"uint8"}]}],
         "commands":[{"messageId":2,"serviceId":"Switch","method":"SET","fields":[{"name":"on","offset":3,"type":"uint8"}]}]}
        """;

    private static string OneMessage(string field) => $$"""{"messages":[{"messageId":1,"serviceId":"Meter","fields":[{{field}}]}]}""";

    private static string SingleError(string json)
    {
        var parse = PayloadCodec.Parse(json);
        Assert.False(parse.IsValid);
        return Assert.Single(parse.Errors);
    }

    [Fact]
    public void Parse_Example_ReadsEveryEntry()
    {
        var parse = PayloadCodec.Parse(Example);

        Assert.True(parse.IsValid, string.Join("; ", parse.Errors));
        var message = Assert.Single(parse.Codec.Messages);
        Assert.Equal(("Meter", 2), (message.ServiceId, message.Fields.Count));
        Assert.Equal(new PayloadField("temperature", 1, PayloadFieldType.Int16, 0.1m), message.Fields[0]);
        Assert.Equal(3, Assert.Single(parse.Codec.Responses).MessageId);
        Assert.Equal(("Switch", "SET"), (Assert.Single(parse.Codec.Commands).ServiceId, parse.Codec.Commands[0].Method));
    }

    [Fact]
    public void Parse_EveryType_IsKnown()
    {
        var fields = string.Join(",", PayloadField.TypeNames.Select((type, i) =>
            $$"""{"name":"f{{i}}","offset":{{1 + (i * 8)}},"type":"{{type}}"{{(type == "string" ? ",\"length\":4" : "")}}}"""));

        var parse = PayloadCodec.Parse(OneMessage(fields));

        Assert.True(parse.IsValid, string.Join("; ", parse.Errors));
        Assert.Equal(Enum.GetValues<PayloadFieldType>(), parse.Codec.Messages[0].Fields.Select(f => f.Type));
    }

    [Fact]
    public void Parse_InvalidJson_SaysSo() =>
        Assert.StartsWith("The definition is not valid JSON", SingleError("""{"messages":["""));

    [Fact]
    public void Parse_DuplicateJsonProperty_IsInvalidJson() =>
        Assert.StartsWith("The definition is not valid JSON", SingleError("""{"messages":[],"messages":[]}"""));

    [Fact]
    public void Parse_DefinitionOver16Kilobytes_IsRefused()
    {
        var json = OneMessage("""{"name":"a","offset":1,"type":"uint8"}""").Replace("\"Meter\"", "\"Meter\"" + new string(' ', PayloadCodec.MaxDefinitionBytes), StringComparison.Ordinal);

        Assert.Contains("larger than 16384 bytes", SingleError(json), StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_NotAnObject_IsRefused() => Assert.Contains("must be a JSON object", SingleError("[]"), StringComparison.Ordinal);

    [Fact]
    public void Parse_NoEntries_IsRefused() => Assert.Contains("declares no messages", SingleError("""{"messages":[]}"""), StringComparison.Ordinal);

    [Fact]
    public void Parse_ListNotAnArray_IsRefused() => Assert.Equal("\"commands\" must be an array.", SingleError("""{"commands":{}}"""));

    [Fact]
    public void Parse_UnknownRootProperty_IsNamed() =>
        Assert.Contains("unknown property \"message\"", SingleError("""{"message":[],"responses":[{"messageId":3}]}"""), StringComparison.Ordinal);

    [Fact]
    public void Parse_MisspeltFieldProperty_IsNamedWithItsField() =>
        Assert.Equal(
            "messages[0] (messageId 1), fields[0] (\"a\"): unknown property \"scal\"; expected \"name\", \"offset\", \"type\", \"scale\", \"length\", \"littleEndian\".",
            SingleError(OneMessage("""{"name":"a","offset":1,"type":"uint8","scal":2}""")));

    [Theory]
    [InlineData("-1")]
    [InlineData("256")]
    [InlineData("1.5")]
    [InlineData("\"1\"")]
    public void Parse_MessageIdOutOfRange_IsRefused(string id) =>
        Assert.Equal("responses[0]: \"messageId\" must be an integer from 0 to 255.", SingleError($$"""{"responses":[{"messageId":{{id}}}]}"""));

    [Fact]
    public void Parse_MissingMessageId_IsRefused() =>
        Assert.Equal("responses[0]: \"messageId\" is required.", SingleError("""{"responses":[{"fields":[]}]}"""));

    [Fact]
    public void Parse_MessageIdReusedAcrossLists_NamesBothEntries() =>
        Assert.Equal(
            "commands[0] (messageId 3): messageId 3 is already used by responses[0] (messageId 3).",
            SingleError("""{"responses":[{"messageId":3}],"commands":[{"messageId":3,"serviceId":"Switch","method":"SET"}]}"""));

    [Fact]
    public void Parse_MessageWithoutServiceId_IsRefused() =>
        Assert.Equal("messages[0] (messageId 1): \"serviceId\" is required.",
            SingleError("""{"messages":[{"messageId":1,"fields":[{"name":"a","offset":1,"type":"uint8"}]}]}"""));

    [Fact]
    public void Parse_CommandWithEmptyMethod_IsRefused() =>
        Assert.Equal("commands[0] (messageId 2): \"method\" must be a string of 1 to 64 characters, none of them control characters.",
            SingleError("""{"commands":[{"messageId":2,"serviceId":"Switch","method":""}]}"""));

    [Fact]
    public void Parse_SameCommandTwice_IsRefused() =>
        Assert.Equal("commands[1] (messageId 4): command Switch/SET is already declared by commands[0] (messageId 2).",
            SingleError("""{"commands":[{"messageId":2,"serviceId":"Switch","method":"SET"},{"messageId":4,"serviceId":"Switch","method":"SET"}]}"""));

    [Fact]
    public void Parse_MessageWithoutFields_IsRefused() =>
        Assert.Contains("\"fields\" is empty", SingleError("""{"messages":[{"messageId":1,"serviceId":"Meter","fields":[]}]}"""), StringComparison.Ordinal);

    [Fact]
    public void Parse_ResponseAndCommandWithoutFields_AreValid() =>
        Assert.True(PayloadCodec.Parse("""{"responses":[{"messageId":3}],"commands":[{"messageId":2,"serviceId":"Device","method":"REBOOT"}]}""").IsValid);

    [Fact]
    public void Parse_EmptyFieldName_IsRefused() =>
        Assert.Equal("messages[0] (messageId 1), fields[0]: \"name\" must be a string of 1 to 64 characters, none of them control characters.",
            SingleError(OneMessage("""{"name":"","offset":1,"type":"uint8"}""")));

    [Fact]
    public void Parse_FieldNameWithNul_IsRefused() =>
        Assert.Contains("none of them control characters", SingleError(OneMessage("""{"name":"a\u0000","offset":1,"type":"uint8"}""")), StringComparison.Ordinal);

    [Theory]
    [InlineData("""{"responses":[{"messageId":3}],"x\ud800":1}""")]
    [InlineData("""{"messages":[{"messageId":1,"serviceId":"M\ud800","fields":[{"name":"a","offset":1,"type":"uint8"}]}]}""")]
    public void Parse_EscapedLoneSurrogate_IsRefused(string json) =>
        Assert.Contains("lone surrogate", SingleError(json), StringComparison.Ordinal);

    [Fact]
    public void Parse_RepeatedFieldName_IsRefused() =>
        Assert.Equal("messages[0] (messageId 1), fields[1] (\"a\"): the name \"a\" is used by another field of the same entry.",
            SingleError(OneMessage("""{"name":"a","offset":1,"type":"uint8"},{"name":"a","offset":2,"type":"uint8"}""")));

    [Fact]
    public void Parse_UnknownType_ListsTheKnownOnes() =>
        Assert.Equal("messages[0] (messageId 1), fields[0] (\"a\"): \"type\" must be one of uint8, int8, uint16, int16, uint32, int32, float32, float64, string.",
            SingleError(OneMessage("""{"name":"a","offset":1,"type":"int24"}""")));

    [Fact]
    public void Parse_MessageFieldAtOffsetZero_IsRefused() =>
        Assert.Equal("messages[0] (messageId 1), fields[0] (\"a\"): \"offset\" must be an integer of at least 1 (byte 0 holds the message ID).",
            SingleError(OneMessage("""{"name":"a","offset":0,"type":"uint8"}""")));

    [Fact]
    public void Parse_ResponseFieldBeforeByteFour_IsRefused() =>
        Assert.Contains("\"offset\" must be an integer of at least 4",
            SingleError("""{"responses":[{"messageId":3,"fields":[{"name":"state","offset":3,"type":"uint8"}]}]}"""), StringComparison.Ordinal);

    [Fact]
    public void Parse_CommandFieldBeforeByteThree_IsRefused() =>
        Assert.Contains("\"offset\" must be an integer of at least 3",
            SingleError("""{"commands":[{"messageId":2,"serviceId":"Switch","method":"SET","fields":[{"name":"on","offset":2,"type":"uint8"}]}]}"""), StringComparison.Ordinal);

    [Fact]
    public void Parse_NegativeOffset_IsRefused() =>
        Assert.Contains("\"offset\" must be an integer", SingleError(OneMessage("""{"name":"a","offset":-1,"type":"uint8"}""")), StringComparison.Ordinal);

    [Fact]
    public void Parse_MissingOffset_IsRefused() =>
        Assert.Equal("messages[0] (messageId 1), fields[0] (\"a\"): \"offset\" is required.", SingleError(OneMessage("""{"name":"a","type":"uint8"}""")));

    [Fact]
    public void Parse_StringWithoutLength_IsRefused() =>
        Assert.Contains("a string field needs \"length\"", SingleError(OneMessage("""{"name":"a","offset":1,"type":"string"}""")), StringComparison.Ordinal);

    [Theory]
    [InlineData("0")]
    [InlineData("-3")]
    public void Parse_StringLengthNotPositive_IsRefused(string length) =>
        Assert.Contains("\"length\" must be an integer from 1 to 1024", SingleError(OneMessage($$"""{"name":"a","offset":1,"type":"string","length":{{length}}}""")), StringComparison.Ordinal);

    [Fact]
    public void Parse_LengthOnNumber_IsRefused() =>
        Assert.Contains("\"length\" applies only to string fields", SingleError(OneMessage("""{"name":"a","offset":1,"type":"uint8","length":2}""")), StringComparison.Ordinal);

    [Fact]
    public void Parse_ScaleOnString_IsRefused() =>
        Assert.Contains("\"scale\" applies only to numeric fields", SingleError(OneMessage("""{"name":"a","offset":1,"type":"string","length":2,"scale":2}""")), StringComparison.Ordinal);

    [Fact]
    public void Parse_ZeroScale_IsRefused() =>
        Assert.Contains("\"scale\" must be a non-zero number", SingleError(OneMessage("""{"name":"a","offset":1,"type":"uint8","scale":0}""")), StringComparison.Ordinal);

    [Fact]
    public void Parse_LittleEndianNotBoolean_IsRefused() =>
        Assert.Contains("\"littleEndian\" must be true or false", SingleError(OneMessage("""{"name":"a","offset":1,"type":"uint16","littleEndian":1}""")), StringComparison.Ordinal);

    [Fact]
    public void Parse_FieldPastPayloadLimit_IsRefused() =>
        Assert.Contains("ends at byte 1025, beyond the 1024-byte limit", SingleError(OneMessage("""{"name":"a","offset":1023,"type":"uint16"}""")), StringComparison.Ordinal);

    [Fact]
    public void Parse_OverlappingCommandFields_IsRefused() =>
        Assert.Equal("commands[0] (messageId 2): fields \"level\" and \"on\" overlap; a command's fields cannot share bytes.",
            SingleError("""{"commands":[{"messageId":2,"serviceId":"Switch","method":"SET","fields":[{"name":"level","offset":3,"type":"uint16"},{"name":"on","offset":4,"type":"uint8"}]}]}"""));

    [Fact]
    public void Parse_TooManyEntries_IsRefused()
    {
        var entries = string.Join(",", Enumerable.Range(0, PayloadCodec.MaxEntries + 1).Select(i => $$"""{"messageId":{{i}}}"""));

        Assert.Equal("The definition has 65 entries; at most 64 are allowed.", SingleError($$"""{"responses":[{{entries}}]}"""));
    }

    [Fact]
    public void Parse_TooManyFields_IsRefused()
    {
        var fields = string.Join(",", Enumerable.Range(0, PayloadCodec.MaxFieldsPerEntry + 1).Select(i => $$"""{"name":"f{{i}}","offset":{{i + 1}},"type":"uint8"}"""));

        Assert.Equal("messages[0] (messageId 1): 65 fields; at most 64 are allowed per entry.", SingleError(OneMessage(fields)));
    }

    [Fact]
    public void Parse_SeveralProblems_ReportsEachOne()
    {
        var parse = PayloadCodec.Parse("""
            {"messages":[{"messageId":1,"serviceId":"Meter","fields":[{"name":"a","offset":0,"type":"uint8"},{"name":"b","offset":1,"type":"bogus"}]}],
             "responses":[{"messageId":1}]}
            """);

        Assert.Equal(3, parse.Errors.Count);
        Assert.Contains(parse.Errors, e => e.StartsWith("messages[0] (messageId 1), fields[0] (\"a\"): \"offset\"", StringComparison.Ordinal));
        Assert.Contains(parse.Errors, e => e.StartsWith("messages[0] (messageId 1), fields[1] (\"b\"): \"type\"", StringComparison.Ordinal));
        Assert.Contains(parse.Errors, e => e.StartsWith("responses[0] (messageId 1): messageId 1 is already used", StringComparison.Ordinal));
    }
}
