using Microsoft.EntityFrameworkCore;
using Shoal.Storage;

namespace Shoal.Server.MessageServers;

/// <summary>
/// Which servers an application's e-mails and SMS can go through. A selected server the operator deleted is not a silent
/// change: the application and its rules say that a random healthy server now takes its place.
/// </summary>
internal sealed record ServerSelection(bool EmailServerDeleted, bool SmsServerDeleted, bool AnyEmailServer, bool AnySmsServer)
{
    public const string EmailServerDeletedWarning = "The selected e-mail server was deleted: e-mails now go through a random healthy one.";
    public const string SmsServerDeletedWarning = "The selected SMS gateway was deleted: SMS now go through a random healthy one.";
    public const string NoEmailServerWarning = "No e-mail server is registered yet: e-mails wait until the operator adds one.";
    public const string NoSmsServerWarning = "No SMS gateway is registered yet: SMS wait until the operator adds one.";

    public static async Task<ServerSelection> OfAsync(ShoalDb db, string applicationId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        return await db.Applications.Where(a => a.Id == applicationId)
            .Select(a => new ServerSelection(
                a.EmailServerId != null && !db.EmailServers.Any(s => s.Id == a.EmailServerId),
                a.SmsServerId != null && !db.SmsServers.Any(s => s.Id == a.SmsServerId),
                db.EmailServers.Any(),
                db.SmsServers.Any()))
            .SingleAsync(cancellationToken);
    }

    /// <summary>What the application's details warn about: a selection that no longer holds.</summary>
    public IReadOnlyList<string> SelectionWarnings =>
        [.. EmailServerDeleted ? [EmailServerDeletedWarning] : Array.Empty<string>(), .. SmsServerDeleted ? [SmsServerDeletedWarning] : Array.Empty<string>()];

    public IReadOnlyList<string> EmailWarnings =>
        [.. EmailServerDeleted ? [EmailServerDeletedWarning] : Array.Empty<string>(), .. AnyEmailServer ? Array.Empty<string>() : [NoEmailServerWarning]];

    public IReadOnlyList<string> SmsWarnings =>
        [.. SmsServerDeleted ? [SmsServerDeletedWarning] : Array.Empty<string>(), .. AnySmsServer ? Array.Empty<string>() : [NoSmsServerWarning]];
}
