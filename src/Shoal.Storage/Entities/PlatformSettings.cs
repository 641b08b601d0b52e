namespace Shoal.Storage.Entities;

/// <summary>The settings an operator owns; a single row.</summary>
public sealed class PlatformSettings
{
    public const int SingletonId = 1;
    public const int DefaultHistoryDays = 7;
    /// <summary>The operator may raise the history duration up to this many days.</summary>
    public const int HistoryDaysCeiling = 90;
    public const int DefaultTraceMaxDevices = 10;
    public const int TraceMaxDevicesCeiling = 100;
    public const int TraceMinutesCeiling = 24 * 60;
    public const int TraceRetentionHoursCeiling = 72;
    public int Id { get; set; } = SingletonId;
    /// <summary>The history storage duration the platform applies; an application may choose a shorter one.</summary>
    public int HistoryMaxDays { get; set; } = DefaultHistoryDays;
    /// <summary>How many devices one operator may trace at a time, across running traces. Default 10.</summary>
    public int TraceMaxDevicesPerOperator { get; set; } = DefaultTraceMaxDevices;
    /// <summary>The longest trace an operator may start, in minutes. Default and ceiling 24 h.</summary>
    public int TraceMaxMinutes { get; set; } = TraceMinutesCeiling;
    /// <summary>How long trace records are kept, in hours. Default and ceiling 72 h.</summary>
    public int TraceRetentionHours { get; set; } = TraceRetentionHoursCeiling;
    public DateTimeOffset UpdatedAt { get; set; }
    /// <summary>Whether anyone may create an account; when closed, only invited addresses (and the first account) may.</summary>
    public bool SignUpOpen { get; set; } = true;

    public const int DefaultPushRetryWindowMinutes = 24 * 60;
    public const int PushRetryWindowMinutesFloor = 10;
    public const int PushRetryWindowMinutesCeiling = 7 * 24 * 60;
    /// <summary>How long a failing push is retried before it goes to the dead letters.</summary>
    public int PushRetryWindowMinutes { get; set; } = DefaultPushRetryWindowMinutes;
}
