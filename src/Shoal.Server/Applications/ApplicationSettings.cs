using System.Text.RegularExpressions;
using Shoal.Server.Common;
using Shoal.Storage.Entities;

namespace Shoal.Server.Applications;

/// <summary>
/// Everything about an application its owner may set, at creation and afterwards (all but the name).
/// As an update body, fields left out take their default and a null <see cref="CaCertificates"/> keeps the uploaded ones.
/// </summary>
public record ApplicationSettings
{
    public string? Industry { get; init; }
    public TracingAuthorization Tracing { get; init; }
    /// <summary>End of a Custom tracing authorization.</summary>
    public DateTimeOffset? TracingUntil { get; init; }
    public PushProtocol PushProtocol { get; init; }
    /// <summary>PEM bundle; on an update, null keeps the certificates already uploaded.</summary>
    public string? CaCertificates { get; init; }
    public bool UseCommissioningCa { get; init; }
    public bool DataManagement { get; init; } = true;
    /// <summary>History storage in days; null applies the platform's duration.</summary>
    public int? StorageDays { get; init; }
    public bool PushService { get; init; } = true;
    public string? Description { get; init; }
    public Guid? EmailServerId { get; init; }
    public Guid? SmsServerId { get; init; }
}

/// <summary>The rules of application fields, checked the same way for the portal and the API.</summary>
internal static partial class ApplicationRules
{
    public const int MaxNameLength = 64;
    public const int MaxDescriptionLength = 2048;

    [GeneratedRegex("^[A-Za-z0-9_-]{1,64}$")]
    private static partial Regex NamePattern();

    public static string? CheckName(string? name) => name switch
    {
        null or "" => "Enter a name for the application.",
        { Length: > MaxNameLength } => $"Use at most {MaxNameLength} characters for the name.",
        _ when !NamePattern().IsMatch(name) => "Use only letters, digits, '_' and '-' in the name.",
        _ => null,
    };

    /// <summary>
    /// Checks <paramref name="settings"/> and, when every field is valid, writes them to <paramref name="target"/>.
    /// Returns the errors by field and the names of the fields that changed.
    /// </summary>
    public static (FieldErrors Errors, IReadOnlyList<string> Changed) Apply(
        Application target, ApplicationSettings settings, ApplicationContext context)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(context);
        var errors = new FieldErrors();

        if (!Industries.IsKnown(settings.Industry))
        {
            errors.Add("industry", $"Choose an industry: {string.Join(", ", Industries.All.Select(i => i.Key))}.");
        }

        DateTimeOffset? tracingUntil = null;
        if (!Enum.IsDefined(settings.Tracing))
        {
            errors.Add("tracing", "Choose Off, Always or Custom for message tracing authorization.");
        }
        else if (settings.Tracing == TracingAuthorization.Custom)
        {
            if (settings.TracingUntil is not { } until)
            {
                errors.Add("tracingUntil", "A Custom tracing authorization needs an end time.");
            }
            else if (until <= context.Now)
            {
                errors.Add("tracingUntil", "The end of the tracing authorization must be in the future.");
            }
            else
            {
                tracingUntil = until.ToUniversalTime();
            }
        }

        var caPem = target.CaCertificatesPem;
        if (!Enum.IsDefined(settings.PushProtocol))
        {
            errors.Add("pushProtocol", "Choose HTTP or HTTPS as the push protocol.");
        }
        else if (settings.CaCertificates is not null || settings.PushProtocol == PushProtocol.Https && !settings.UseCommissioningCa && caPem is null)
        {
            var (pem, error) = CaCertificates.Check(settings.CaCertificates, context.Now);
            if (error is not null)
            {
                errors.Add("caCertificates", settings.CaCertificates is null
                    ? "HTTPS push needs the CA certificate of your NA's server (PEM), or the commissioning CA for testing."
                    : error);
            }
            caPem = pem;
        }

        var storageDays = settings.StorageDays ?? Math.Min(target.StorageDays is 0 ? context.HistoryMaxDays : target.StorageDays, context.HistoryMaxDays);
        if (storageDays < 1 || storageDays > context.HistoryMaxDays)
        {
            errors.Add("storageDays", $"Choose a storage duration of 1 to {context.HistoryMaxDays} days.");
        }

        var description = string.IsNullOrWhiteSpace(settings.Description) ? null : settings.Description.Trim();
        if (description?.Length > MaxDescriptionLength)
        {
            errors.Add("description", $"Use at most {MaxDescriptionLength} characters for the description ({description.Length} given).");
        }
        if (settings.EmailServerId is { } emailServer && !context.EmailServerIds.Contains(emailServer))
        {
            errors.Add("emailServerId", "Choose one of the e-mail servers the operator registered, or none.");
        }
        if (settings.SmsServerId is { } smsServer && !context.SmsServerIds.Contains(smsServer))
        {
            errors.Add("smsServerId", "Choose one of the SMS servers the operator registered, or none.");
        }
        if (errors.Any)
        {
            return (errors, []);
        }

        var changed = new List<string>();
        void Set<T>(string field, T current, T next, Action<T> write)
        {
            if (!EqualityComparer<T>.Default.Equals(current, next))
            {
                write(next);
                changed.Add(field);
            }
        }
        Set("industry", target.Industry, settings.Industry!, v => target.Industry = v);
        Set("tracing", target.Tracing, settings.Tracing, v => target.Tracing = v);
        Set("tracingUntil", target.TracingUntil, tracingUntil, v => target.TracingUntil = v);
        Set("pushProtocol", target.PushProtocol, settings.PushProtocol, v => target.PushProtocol = v);
        Set("caCertificates", target.CaCertificatesPem, caPem, v => target.CaCertificatesPem = v);
        Set("useCommissioningCa", target.UseCommissioningCa, settings.UseCommissioningCa, v => target.UseCommissioningCa = v);
        Set("dataManagement", target.DataManagement, settings.DataManagement, v => target.DataManagement = v);
        Set("storageDays", target.StorageDays, storageDays, v => target.StorageDays = v);
        Set("pushService", target.PushService, settings.PushService, v => target.PushService = v);
        Set("description", target.Description, description, v => target.Description = v);
        Set("emailServerId", target.EmailServerId, settings.EmailServerId, v => target.EmailServerId = v);
        Set("smsServerId", target.SmsServerId, settings.SmsServerId, v => target.SmsServerId = v);
        return (errors, changed);
    }
}

/// <summary>What the rules need to know beyond the input: the time, the platform's limits, the registered servers.</summary>
internal sealed record ApplicationContext(
    DateTimeOffset Now, int HistoryMaxDays, IReadOnlySet<Guid> EmailServerIds, IReadOnlySet<Guid> SmsServerIds);
