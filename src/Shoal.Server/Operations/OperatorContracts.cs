namespace Shoal.Server.Operations;

public sealed record OperatorUserResponse(
    Guid Id, string Email, string DisplayName, bool IsOperator, int ApplicationCount, int ApplicationQuota, bool Frozen, DateTimeOffset CreatedAt);

/// <summary>Application metadata as the operator sees it: never device data, never secrets.</summary>
public sealed record OperatorApplicationResponse(
    string Id, string Name, Guid OwnerId, string OwnerEmail, string Industry, bool IsDefault, string Tracing, DateTimeOffset? TracingUntil,
    bool Frozen, DateTimeOffset CreatedAt);

public sealed record QuotaRequest(int Quota);

/// <summary>The operator's settings; a member left out keeps its value.</summary>
public sealed record PlatformSettingsRequest(
    int HistoryMaxDays,
    int? PushRetryWindowMinutes = null,
    int? TraceMaxDevicesPerOperator = null,
    int? TraceMaxMinutes = null,
    int? TraceRetentionHours = null,
    bool? SignUpOpen = null);

public sealed record PlatformSettingsResponse(
    int HistoryMaxDays, int HistoryDaysCeiling, DateTimeOffset UpdatedAt,
    int PushRetryWindowMinutes, int PushRetryWindowMinutesFloor, int PushRetryWindowMinutesCeiling,
    int TraceMaxDevicesPerOperator, int TraceMaxMinutes, int TraceRetentionHours, bool SignUpOpen)
{
    public static PlatformSettingsResponse From(Storage.Entities.PlatformSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return new PlatformSettingsResponse(
            settings.HistoryMaxDays, Storage.Entities.PlatformSettings.HistoryDaysCeiling, settings.UpdatedAt,
            settings.PushRetryWindowMinutes, Storage.Entities.PlatformSettings.PushRetryWindowMinutesFloor,
            Storage.Entities.PlatformSettings.PushRetryWindowMinutesCeiling,
            settings.TraceMaxDevicesPerOperator, settings.TraceMaxMinutes, settings.TraceRetentionHours, settings.SignUpOpen);
    }
}
