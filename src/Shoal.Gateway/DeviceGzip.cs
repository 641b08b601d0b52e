using System.Buffers;
using System.IO.Compression;

namespace Shoal.Gateway;

/// <summary>Payloads a device compressed with gzip, as SDKs do on topics ending in <c>?encoding=gzip</c>.</summary>
internal static class DeviceGzip
{
    /// <summary>The inflated payload; null when it is not gzip, or inflates past <paramref name="limit"/> bytes (reading stops there).</summary>
    public static byte[]? Inflate(ReadOnlySequence<byte> payload, int limit)
    {
        try
        {
            using var gzip = new GZipStream(new MemoryStream(payload.ToArray(), writable: false), CompressionMode.Decompress);
            var inflated = new MemoryStream();
            var buffer = new byte[Math.Min(limit + 1, 81920)];
            int read;
            while ((read = gzip.Read(buffer, 0, buffer.Length)) > 0)
            {
                if (inflated.Length + read > limit)
                {
                    return null;
                }
                inflated.Write(buffer, 0, read);
            }
            return inflated.ToArray();
        }
        catch (InvalidDataException)
        {
            return null;
        }
    }
}
