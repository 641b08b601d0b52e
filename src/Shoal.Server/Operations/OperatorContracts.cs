namespace Shoal.Server.Operations;

public sealed record OperatorUserResponse(
    Guid Id, string Email, string DisplayName, bool IsOperator, int ApplicationCount, int ApplicationQuota, bool Frozen, DateTimeOffset CreatedAt);

/// <summary>Application metadata as the operator sees it: never device data, never secrets.</summary>
public sealed record OperatorApplicationResponse(
    string Id, string Name, Guid OwnerId, string OwnerEmail, string Industry, bool IsDefault, string Tracing, DateTimeOffset? TracingUntil,
    bool Frozen, DateTimeOffset CreatedAt);

public sealed record QuotaRequest(int Quota);

/// <summary>The operator's settings; a trace limit left out keeps its current value.</summary>
public sealed record PlatformSettingsRequest(int HistoryMaxDays, int? TraceMaxDevicesPerOperator = null, int? TraceMaxMinutes = null, int? TraceRetentionHours = null);

public sealed record PlatformSettingsResponse(
    int HistoryMaxDays, int HistoryDaysCeiling, int TraceMaxDevicesPerOperator, int TraceMaxMinutes, int TraceRetentionHours, DateTimeOffset UpdatedAt)
{
    public static PlatformSettingsResponse From(Storage.Entities.PlatformSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return new(settings.HistoryMaxDays, Storage.Entities.PlatformSettings.HistoryDaysCeiling, settings.TraceMaxDevicesPerOperator,
            settings.TraceMaxMinutes, settings.TraceRetentionHours, settings.UpdatedAt);
    }
}
