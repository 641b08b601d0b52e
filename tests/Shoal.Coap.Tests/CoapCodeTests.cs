using Shoal.Coap.Protocol;

namespace Shoal.Coap.Tests;

public sealed class CoapCodeTests
{
    [Fact]
    public void ToString_RequestEntityTooLarge_IsClassDotDetail() => Assert.Equal("4.13", CoapCode.RequestEntityTooLarge.ToString());
}
