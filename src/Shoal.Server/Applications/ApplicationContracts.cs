using Shoal.Server.Common;
using Shoal.Storage.Entities;

namespace Shoal.Server.Applications;

/// <summary>A new application: its name, terms acceptance and icon beside the settings it can change later.</summary>
public sealed record CreateApplicationRequest : ApplicationSettings
{
    public string? Name { get; init; }
    /// <summary>PNG or JPEG, base64-encoded, at most 200 KB.</summary>
    public string? Icon { get; init; }
    public bool AcceptTerms { get; init; }
}

public sealed record ResetSecretRequest(int GraceMinutes = 0);

public sealed record ApplicationResponse(
    string Id,
    string Name,
    bool IsDefault,
    string Industry,
    TracingAuthorization Tracing,
    DateTimeOffset? TracingUntil,
    PushProtocol PushProtocol,
    IReadOnlyList<CertificateResponse> CaCertificates,
    bool UseCommissioningCa,
    bool DataManagement,
    int StorageDays,
    bool PushService,
    string? Description,
    string? IconUrl,
    Guid? EmailServerId,
    Guid? SmsServerId,
    string ApplicationAccessAddress,
    string DeviceAccessAddress,
    string? DeviceMqttsAccessAddress,
    string? DeviceHttpsAccessAddress,
    string? DeviceCoapAccessAddress,
    string? DeviceCoapsAccessAddress,
    bool HasSecret,
    DateTimeOffset? PreviousSecretValidUntil,
    TermsResponse Terms,
    bool Frozen,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt)
{
    /// <summary>What the owner should know, e.g. that a selected e-mail server was deleted; on the details only.</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];
}

public sealed record CertificateResponse(string Subject, string Issuer, DateTime NotAfter, string Thumbprint);

public sealed record TermsResponse(string Version, DateTimeOffset AcceptedAt, Guid AcceptedBy);

/// <summary>The four values a user needs to connect, shown once on creation and on a secret reset.</summary>
public sealed record ApplicationCredentialsResponse(
    string ApplicationId,
    string Secret,
    string ApplicationAccessAddress,
    string DeviceAccessAddress,
    string? DeviceMqttsAccessAddress,
    string? DeviceHttpsAccessAddress,
    string? DeviceCoapAccessAddress,
    string? DeviceCoapsAccessAddress,
    ApplicationResponse Application);

public sealed record AuditEntryResponse(long Id, string Action, string Actor, string? Detail, string? Address, DateTimeOffset At, string? ApplicationId);

public sealed record PageResponse<T>(IReadOnlyList<T> Items, int Page, int PageSize, int TotalCount, int PageCount);

public sealed record IndustryResponse(string Key, string Label);

internal static class ApplicationMapping
{
    public static ApplicationResponse ToResponse(this Application a, AccessAddresses addresses) => new(
        a.Id,
        a.Name,
        a.IsDefault,
        a.Industry,
        a.Tracing,
        a.TracingUntil,
        a.PushProtocol,
        [.. CaCertificates.Describe(a.CaCertificatesPem).Select(c => new CertificateResponse(c.Subject, c.Issuer, c.NotAfter, c.Thumbprint))],
        a.UseCommissioningCa,
        a.DataManagement,
        a.StorageDays,
        a.PushService,
        a.Description,
        a.Icon is null ? null : $"/api/v1/applications/{a.Id}/icon",
        a.EmailServerId,
        a.SmsServerId,
        addresses.Application,
        addresses.Device,
        addresses.DeviceMqtts,
        addresses.DeviceHttps,
        addresses.DeviceCoap,
        addresses.DeviceCoaps,
        a.SecretHash is not null,
        a.PreviousSecretValidUntil,
        new TermsResponse(a.TermsVersion, a.TermsAcceptedAt, a.TermsAcceptedBy),
        a.FrozenAt is not null,
        a.CreatedAt,
        a.UpdatedAt);

    public static AuditEntryResponse ToResponse(this AuditEntry e) => new(e.Id, e.Action, e.Actor, e.Detail, e.Address, e.At, e.ApplicationId);

    public static PageResponse<TOut> ToResponse<TIn, TOut>(this Paged<TIn> page, Func<TIn, TOut> map) =>
        new([.. page.Items.Select(map)], page.Page, page.PageSize, page.TotalCount, page.PageCount);
}

/// <summary>
/// Where NAs and devices reach Shoal: <paramref name="Device"/> is the MQTT address (MQTTS when plain MQTT is off);
/// MQTTS, HTTPS, CoAP and CoAP-over-DTLS device access are null when off or hidden.
/// </summary>
public sealed record AccessAddresses(
    string Application, string Device, string? DeviceMqtts, string? DeviceHttps, string? DeviceCoap = null, string? DeviceCoaps = null);
