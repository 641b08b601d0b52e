using System.Text;
using Shoal.Server.Applications;
using Shoal.Server.MessageServers;
using Shoal.Storage.Entities;

namespace Shoal.Server.Portal.Applications;

/// <summary>
/// The application form as posted, named after the API's camelCase fields. It only carries values:
/// every rule is checked by <see cref="Server.Applications.Applications"/>.
/// </summary>
internal sealed class ApplicationInput
{
    public string? Name { get; set; }
    public string? Industry { get; set; }
    public TracingAuthorization Tracing { get; set; }
    /// <summary>A datetime-local value, read as UTC.</summary>
    public DateTime? TracingUntil { get; set; }
    /// <summary>Null until the user picks one: neither is preselected, so unencrypted pushes are never a default.</summary>
    public PushProtocol? PushProtocol { get; set; }
    public IFormFile? CaCertificates { get; set; }
    public bool UseCommissioningCa { get; set; }
    public bool DataManagement { get; set; } = true;
    public int? StorageDays { get; set; }
    public bool PushService { get; set; } = true;
    public string? Description { get; set; }
    public IFormFile? Icon { get; set; }
    public bool RemoveIcon { get; set; }
    public Guid? EmailServerId { get; set; }
    public Guid? SmsServerId { get; set; }
    public bool AcceptTerms { get; set; }

    public static ApplicationInput From(Application application)
    {
        ArgumentNullException.ThrowIfNull(application);
        return new()
        {
            Name = application.Name,
            Industry = application.Industry,
            Tracing = application.Tracing,
            TracingUntil = application.TracingUntil?.UtcDateTime,
            PushProtocol = application.PushProtocol,
            UseCommissioningCa = application.UseCommissioningCa,
            DataManagement = application.DataManagement,
            StorageDays = application.StorageDays,
            PushService = application.PushService,
            Description = application.Description,
            EmailServerId = application.EmailServerId,
            SmsServerId = application.SmsServerId,
        };
    }

    /// <summary>The settings for the domain; an absent CA file is null, which on an update keeps the uploaded certificates.</summary>
    public async Task<ApplicationSettings> ToSettingsAsync(CancellationToken cancellationToken) => new()
    {
        Industry = Industry,
        Tracing = Tracing,
        TracingUntil = TracingUntil is { } until ? new DateTimeOffset(DateTime.SpecifyKind(until, DateTimeKind.Utc)) : null,
        // No choice is refused by the domain as any value outside the enum is.
        PushProtocol = PushProtocol ?? (PushProtocol)(-1),
        CaCertificates = await ReadTextAsync(CaCertificates, cancellationToken),
        UseCommissioningCa = UseCommissioningCa,
        DataManagement = DataManagement,
        StorageDays = StorageDays,
        PushService = PushService,
        Description = Description,
        EmailServerId = EmailServerId,
        SmsServerId = SmsServerId,
    };

    /// <summary>The uploaded icon's bytes, or null when no file was chosen; the domain checks the content.</summary>
    public async Task<byte[]?> ReadIconAsync(CancellationToken cancellationToken) =>
        Icon is { Length: > 0 } ? await ReadAsync(Icon, cancellationToken) : null;

    // Whole files are read: the server's request size limit already bounds them, and the domain judges their size.
    private static async Task<string?> ReadTextAsync(IFormFile? file, CancellationToken cancellationToken) =>
        file is { Length: > 0 } ? Encoding.UTF8.GetString(await ReadAsync(file, cancellationToken)) : null;

    private static async Task<byte[]> ReadAsync(IFormFile file, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        await file.CopyToAsync(buffer, cancellationToken);
        return buffer.ToArray();
    }
}

/// <summary>What the shared application form partial shows besides the posted values.</summary>
internal sealed record ApplicationFormView(
    ApplicationInput Input,
    Application? Existing,
    int HistoryMaxDays,
    IReadOnlyList<EmailServer> EmailServers,
    IReadOnlyList<SmsServer> SmsServers,
    string TermsVersion)
{
    public bool IsCreate => Existing is null;

    public static async Task<ApplicationFormView> LoadAsync(
        ApplicationInput input, Application? existing, ApplicationFactory factory, MessageServerRegistry registry, string termsVersion,
        CancellationToken cancellationToken) => new(
        input,
        existing,
        await factory.HistoryMaxDaysAsync(cancellationToken),
        await registry.EmailServersAsync(cancellationToken),
        await registry.SmsServersAsync(cancellationToken),
        termsVersion);
}
