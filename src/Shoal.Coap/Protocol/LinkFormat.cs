namespace Shoal.Coap.Protocol;

/// <summary>Placeholder until the link-format parser lands.</summary>
internal static class LinkFormat
{
    public static IReadOnlyList<CoreLink> Parse(string text) => throw new NotImplementedException(text);
}

internal sealed record CoreLink(string Target, IReadOnlyDictionary<string, string> Attributes);
