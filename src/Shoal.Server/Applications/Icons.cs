namespace Shoal.Server.Applications;

/// <summary>Checks an uploaded icon by its content, never by its name or declared type.</summary>
internal static class Icons
{
    public const int MaxBytes = 200 * 1024;

    private static readonly byte[] PngSignature = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];
    private static readonly byte[] JpegSignature = [0xFF, 0xD8, 0xFF];

    /// <summary>The image's content type, or an error message for the person who uploaded it.</summary>
    public static (string? ContentType, string? Error) Inspect(ReadOnlySpan<byte> content)
    {
        if (content.Length == 0)
        {
            return (null, "The icon file is empty.");
        }
        if (content.Length > MaxBytes)
        {
            return (null, $"The icon is {content.Length / 1024} KB; use an image of at most 200 KB.");
        }
        if (content.StartsWith(PngSignature))
        {
            return ("image/png", null);
        }
        if (content.StartsWith(JpegSignature))
        {
            return ("image/jpeg", null);
        }
        return (null, "The icon must be a PNG or JPEG image; this file is neither (SVG is not accepted).");
    }
}
