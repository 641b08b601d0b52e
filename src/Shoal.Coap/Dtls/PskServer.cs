using System.Text;
using Org.BouncyCastle.Tls;
using Org.BouncyCastle.Tls.Crypto;

namespace Shoal.Coap.Dtls;

/// <summary>The server side of one DTLS 1.2 PSK handshake: the two CoAP cipher suites and nothing else.</summary>
internal sealed class PskServer(TlsCrypto crypto, PskIdentityResolver identities, int handshakeTimeoutMillis)
    : PskTlsServer(crypto, identities)
{
    private static readonly int[] CipherSuites =
    [
        CipherSuite.TLS_PSK_WITH_AES_128_CCM_8,
        CipherSuite.TLS_PSK_WITH_AES_128_CBC_SHA256,
    ];

    public override int GetHandshakeTimeoutMillis() => handshakeTimeoutMillis;

    // A forged or mangled record after the handshake must not end a device's session.
    public override bool IgnoreCorruptDtlsRecords => true;

    protected override int[] GetSupportedCipherSuites() => CipherSuites;

    protected override ProtocolVersion[] GetSupportedVersions() => ProtocolVersion.DTLSv12.Only();
}

/// <summary>
/// Resolves the identity a client names in its ClientKeyExchange to its key. BouncyCastle asks synchronously from the
/// handshake's own thread, so the asynchronous lookup is waited on there.
/// </summary>
internal sealed class PskIdentityResolver(PskLookup keys, CancellationToken cancellationToken) : TlsPskIdentityManager
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>The identity the client sent, once it has sent one.</summary>
    public string? Identity { get; private set; }

    /// <summary>Set when the lookup itself threw, so the failure is not mistaken for an unknown identity.</summary>
    public Exception? LookupFailure { get; private set; }

    public byte[]? GetHint() => null;

    public byte[]? GetPsk(byte[] identity)
    {
        try
        {
            Identity = StrictUtf8.GetString(identity);
        }
        catch (DecoderFallbackException)
        {
            return null;
        }

        try
        {
            var lookup = keys(Identity, cancellationToken);
            var key = lookup.IsCompletedSuccessfully ? lookup.Result : lookup.AsTask().GetAwaiter().GetResult();
            // BouncyCastle wipes the key once the premaster secret is made: it gets a copy, never the caller's array.
            return key?.ToArray();
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            LookupFailure = e;
            return null;
        }
    }
}
