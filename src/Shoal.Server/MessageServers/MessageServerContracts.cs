using Shoal.Storage.Entities;

namespace Shoal.Server.MessageServers;

/// <summary>An SMTP server. On an update a null password keeps the stored one; an empty one removes it.</summary>
public sealed record EmailServerRequest(
    string? Name, string? Host, int Port, SmtpTlsMode TlsMode, string? UserName, string? Password, string? SenderAddress);

public sealed record EmailServerResponse(
    Guid Id, string Name, string Host, int Port, SmtpTlsMode TlsMode, string? UserName, bool HasPassword, string SenderAddress,
    DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);

/// <summary>An HTTP SMS gateway. On an update null headers keep the stored ones.</summary>
public sealed record SmsServerRequest(
    string? Name, string? Method, string? UrlTemplate, IReadOnlyDictionary<string, string>? Headers, string? BodyTemplate);

/// <summary>Header values are secrets (gateway credentials): only their names are ever returned.</summary>
public sealed record SmsServerResponse(
    Guid Id, string Name, string Method, string UrlTemplate, IReadOnlyList<string> HeaderNames, string? BodyTemplate,
    DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);

/// <summary>What a user sees of the servers when choosing one for an application.</summary>
public sealed record MessageServerChoice(Guid Id, string Name);

public sealed record MessageServerChoices(IReadOnlyList<MessageServerChoice> Email, IReadOnlyList<MessageServerChoice> Sms);

internal static class MessageServerMapping
{
    public static EmailServerResponse ToResponse(this EmailServer s) =>
        new(s.Id, s.Name, s.Host, s.Port, s.TlsMode, s.UserName, s.ProtectedPassword is not null, s.SenderAddress, s.CreatedAt, s.UpdatedAt);

    public static SmsServerResponse ToResponse(this SmsServer s) =>
        new(s.Id, s.Name, s.Method, s.UrlTemplate, SplitNames(s.HeaderNames), s.BodyTemplate, s.CreatedAt, s.UpdatedAt);

    public static IReadOnlyList<string> SplitNames(string names) => names.Split('\n', StringSplitOptions.RemoveEmptyEntries);
}
