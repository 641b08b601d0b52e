namespace Shoal.Server.Accounts;

/// <summary>An invitation token lets its address sign up while sign-up is closed.</summary>
public sealed record SignUpRequest(string? Email, string? Password, string? DisplayName, bool AcceptTerms, string? Invitation = null);

public sealed record ChangePasswordRequest(string? CurrentPassword, string? NewPassword);

/// <summary>A member left out keeps its value; a new e-mail address needs the current password.</summary>
public sealed record ProfileRequest(string? DisplayName, string? Email, string? CurrentPassword);

public sealed record PasswordResetRequest(string? Email);

public sealed record PasswordResetResponse(string Message);

public sealed record CompletePasswordResetRequest(string? Token, string? NewPassword);

public sealed record InvitationRequest(string? Email);

public sealed record InvitationResponse(Guid Id, string Email, DateTimeOffset CreatedAt, DateTimeOffset ExpiresAt);

public sealed record AccountResponse(Guid Id, string Email, string DisplayName, bool IsOperator, int ApplicationQuota, DateTimeOffset CreatedAt);

/// <summary>Signs in with e-mail and password and issues a personal API token, as API clients do.</summary>
public sealed record CreateTokenRequest(string? Email, string? Password, string? Name, DateTimeOffset? ExpiresAt);

public sealed record TokenResponse(Guid Id, string Name, string Prefix, DateTimeOffset CreatedAt, DateTimeOffset? ExpiresAt, DateTimeOffset? RevokedAt, DateTimeOffset? LastUsedAt);

public sealed record IssuedTokenResponse(string Token, TokenResponse Details);
