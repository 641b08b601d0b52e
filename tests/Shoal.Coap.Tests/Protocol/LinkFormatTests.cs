using Shoal.Coap.Protocol;

namespace Shoal.Coap.Tests.Protocol;

public sealed class LinkFormatTests
{
    [Fact]
    public void Parse_Lwm2mRegistration_ReadsTargetsAndAttributes()
    {
        var links = LinkFormat.Parse("</>;rt=\"oma.lwm2m\";ct=11543,</1/0>,</3/0>,</19/0/0>");

        Assert.Equal(["/", "/1/0", "/3/0", "/19/0/0"], links.Select(link => link.Target));
        Assert.Equal("oma.lwm2m", links[0].Attributes["rt"]);
        Assert.Equal("11543", links[0].Attributes["ct"]);
        Assert.Empty(links[1].Attributes);
    }

    [Fact]
    public void Parse_QuotedValueWithCommaAndFlag_KeepsThemInTheLink()
    {
        var links = LinkFormat.Parse("</3>;ver=\"1.1\";title=\"a,b\\\"c\";obs, </5>");

        Assert.Equal(2, links.Count);
        Assert.Equal("a,b\"c", links[0].Attributes["title"]);
        Assert.Equal("", links[0].Attributes["obs"]);
        Assert.Equal("/5", links[1].Target);
    }

    [Fact]
    public void Parse_EmptyBody_IsNoLinks() => Assert.Empty(LinkFormat.Parse(""));

    [Theory]
    [InlineData("/1/0")]
    [InlineData("</1/0")]
    [InlineData("</1/0>;")]
    [InlineData("</1/0>;rt=")]
    [InlineData("</1/0>;rt=\"open")]
    [InlineData("</1/0>,")]
    [InlineData("</1/0> </2/0>")]
    [InlineData("</1/0>x")]
    public void Parse_Malformed_Throws(string body) => Assert.Throws<FormatException>(() => LinkFormat.Parse(body));
}
