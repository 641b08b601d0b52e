namespace Shoal.Server.Operations;

public sealed record OperatorUserResponse(
    Guid Id, string Email, string DisplayName, bool IsOperator, int ApplicationCount, int ApplicationQuota, bool Frozen, DateTimeOffset CreatedAt);

/// <summary>Application metadata as the operator sees it: never device data, never secrets.</summary>
public sealed record OperatorApplicationResponse(
    string Id, string Name, Guid OwnerId, string OwnerEmail, string Industry, bool IsDefault, string Tracing, DateTimeOffset? TracingUntil,
    bool Frozen, DateTimeOffset CreatedAt);

public sealed record QuotaRequest(int Quota);

public sealed record PlatformSettingsRequest(int HistoryMaxDays);

public sealed record PlatformSettingsResponse(int HistoryMaxDays, int HistoryDaysCeiling, DateTimeOffset UpdatedAt);
