namespace Shoal.Server.Accounts;

public sealed record SignUpRequest(string? Email, string? Password, string? DisplayName, bool AcceptTerms);

public sealed record AccountResponse(Guid Id, string Email, string DisplayName, bool IsOperator, int ApplicationQuota, DateTimeOffset CreatedAt);

/// <summary>Signs in with e-mail and password and issues a personal API token, as API clients do.</summary>
public sealed record CreateTokenRequest(string? Email, string? Password, string? Name, DateTimeOffset? ExpiresAt);

public sealed record TokenResponse(Guid Id, string Name, string Prefix, DateTimeOffset CreatedAt, DateTimeOffset? ExpiresAt, DateTimeOffset? RevokedAt, DateTimeOffset? LastUsedAt);

public sealed record IssuedTokenResponse(string Token, TokenResponse Details);
