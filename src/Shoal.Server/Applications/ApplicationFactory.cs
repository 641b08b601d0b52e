using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Shoal.Server.Hosting;
using Shoal.Storage;
using Shoal.Storage.Entities;

namespace Shoal.Server.Applications;

/// <summary>Makes new application entities with a fresh ID and the platform's defaults.</summary>
internal sealed class ApplicationFactory(ShoalDb db, IOptions<ShoalOptions> options, TimeProvider time)
{
    public const string DefaultApplicationName = "default";

    public Application Create(User owner, string name)
    {
        ArgumentNullException.ThrowIfNull(owner);
        var now = time.GetUtcNow();
        return new Application
        {
            Id = Security.RandomSecrets.ApplicationId(),
            OwnerId = owner.Id,
            Name = name,
            NameKey = name.ToUpperInvariant(),
            Industry = "other",
            DataManagement = true,
            PushService = true,
            TermsVersion = options.Value.TermsVersion,
            TermsAcceptedAt = now,
            TermsAcceptedBy = owner.Id,
            CredentialsIssuedAfter = now,
            CreatedAt = now,
            UpdatedAt = now,
        };
    }

    /// <summary>The application every account starts with: no usable secret until its owner resets one.</summary>
    public async Task<Application> CreateDefaultAsync(User owner, CancellationToken cancellationToken)
    {
        var application = Create(owner, DefaultApplicationName);
        application.IsDefault = true;
        application.StorageDays = await HistoryMaxDaysAsync(cancellationToken);
        application.Description = "Your default application. Reset its secret to connect an NA to it.";
        return application;
    }

    public async Task<int> HistoryMaxDaysAsync(CancellationToken cancellationToken) =>
        await db.PlatformSettings.AsNoTracking().Select(s => (int?)s.HistoryMaxDays).SingleOrDefaultAsync(cancellationToken)
        ?? PlatformSettings.DefaultHistoryDays;
}
