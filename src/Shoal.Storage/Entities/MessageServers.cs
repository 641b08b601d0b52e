namespace Shoal.Storage.Entities;

public sealed class EmailServer
{
    public Guid Id { get; set; }
    public required string Name { get; set; }
    public required string Host { get; set; }
    public int Port { get; set; }
    public SmtpTlsMode TlsMode { get; set; }
    public string? UserName { get; set; }
    /// <summary>Encrypted with Data Protection; never returned.</summary>
    public string? ProtectedPassword { get; set; }
    public required string SenderAddress { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
}

public enum SmtpTlsMode
{
    None,
    StartTls,
    ImplicitTls,
}

public sealed class SmsServer
{
    public Guid Id { get; set; }
    public required string Name { get; set; }
    public required string Method { get; set; }
    public required string UrlTemplate { get; set; }
    /// <summary>Encrypted with Data Protection, as headers usually carry the gateway's credentials; only names are shown.</summary>
    public string? ProtectedHeaders { get; set; }
    public required string HeaderNames { get; set; }
    public string? BodyTemplate { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
}
