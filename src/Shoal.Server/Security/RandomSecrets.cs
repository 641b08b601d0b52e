using System.Buffers.Text;
using System.Security.Cryptography;

namespace Shoal.Server.Security;

internal static class RandomSecrets
{
    private const string Alphanumeric = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

    /// <summary>24 alphanumeric characters (≈143 bits): application IDs.</summary>
    public static string ApplicationId() => RandomNumberGenerator.GetString(Alphanumeric, 24);

    /// <summary>32 alphanumeric characters (≈190 bits): application secrets.</summary>
    public static string ApplicationSecret() => RandomNumberGenerator.GetString(Alphanumeric, 32);

    /// <summary>20 alphanumeric characters: trace IDs.</summary>
    public static string TraceId() => RandomNumberGenerator.GetString(Alphanumeric, 20);

    /// <summary>A personal API token: a recognisable prefix and 40 alphanumeric characters (≈238 bits).</summary>
    public static string ApiToken() => "shoal_" + RandomNumberGenerator.GetString(Alphanumeric, 40);

    /// <summary>43 URL-safe characters (256 bits): the tokens of password reset and invitation links.</summary>
    public static string LinkToken() => Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
}
