using Microsoft.EntityFrameworkCore;
using Shoal.Coap.Payloads;
using Shoal.Delivery.Mail;
using Shoal.Server.Audit;
using Shoal.Server.Common;
using Shoal.Server.Security;
using Shoal.Storage;
using Shoal.Storage.Entities;

namespace Shoal.Server.Applications;

internal sealed record NewApplication(string? Name, ApplicationSettings Settings, byte[]? Icon, bool AcceptTerms);

/// <summary>How many applications a user has and may have.</summary>
internal sealed record ApplicationUsage(int Used, int Quota)
{
    /// <summary>Creation is refused once the quota is used up.</summary>
    public bool Full => Used >= Quota;

    public Refused Refusal => Applications.QuotaReached(Quota);
}

/// <summary>What creation and a secret reset return, once: the secret is never shown again.</summary>
internal sealed record IssuedSecret(Application Application, string Secret);

/// <summary>A user's applications: every rule of creating, changing and deleting them.</summary>
internal sealed class Applications(
    ShoalDb db,
    ApplicationFactory factory,
    SecretHasher hasher,
    AuditLog audit,
    Changes changes,
    PlatformMail platformMail,
    Tracing.TraceSessions traces,
    Gateway.SessionReviewSignal sessions,
    AccessAddresses addresses,
    TimeProvider time)
{
    public static readonly TimeSpan MaxSecretGrace = TimeSpan.FromHours(24);

    public async Task<Paged<Application>> ListAsync(Guid ownerId, int? page, int? pageSize, CancellationToken cancellationToken)
    {
        var (number, size) = Paging.Normalize(page, pageSize);
        var query = db.Applications.AsNoTracking().Where(a => a.OwnerId == ownerId);
        var total = await query.CountAsync(cancellationToken);
        var items = await query
            .OrderByDescending(a => a.IsDefault).ThenBy(a => a.NameKey)
            .Skip((number - 1) * size).Take(size)
            .ToListAsync(cancellationToken);
        return new Paged<Application>(items, number, size, total);
    }

    public async Task<ApplicationUsage> UsageAsync(Guid ownerId, CancellationToken cancellationToken) => new(
        await db.Applications.CountAsync(a => a.OwnerId == ownerId, cancellationToken),
        await db.Users.Where(u => u.Id == ownerId).Select(u => u.ApplicationQuota).SingleAsync(cancellationToken));

    public Task<Application?> FindAsync(Guid ownerId, string id, CancellationToken cancellationToken) =>
        db.Applications.AsNoTracking().SingleOrDefaultAsync(a => a.Id == id && a.OwnerId == ownerId, cancellationToken);

    public async Task<ApplicationContext> ContextAsync(CancellationToken cancellationToken) => new(
        time.GetUtcNow(),
        await factory.HistoryMaxDaysAsync(cancellationToken),
        (await db.EmailServers.Select(s => s.Id).ToListAsync(cancellationToken)).ToHashSet(),
        (await db.SmsServers.Select(s => s.Id).ToListAsync(cancellationToken)).ToHashSet());

    public async Task<Outcome<IssuedSecret>> CreateAsync(Actor actor, NewApplication input, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(actor);
        ArgumentNullException.ThrowIfNull(input);
        var owner = await db.Users.SingleAsync(u => u.Id == actor.Id, cancellationToken);
        var count = await db.Applications.CountAsync(a => a.OwnerId == owner.Id, cancellationToken);
        if (new ApplicationUsage(count, owner.ApplicationQuota).Full)
        {
            return QuotaReached(owner.ApplicationQuota);
        }

        var errors = new FieldErrors();
        var name = input.Name?.Trim();
        if (ApplicationRules.CheckName(name) is { } nameError)
        {
            errors.Add("name", nameError);
        }
        else if (await db.Applications.AnyAsync(a => a.OwnerId == owner.Id && a.NameKey == name!.ToUpperInvariant(), cancellationToken))
        {
            errors.Add("name", $"You already have an application named '{name}'. Names are unique regardless of case.");
        }
        var application = factory.Create(owner, name ?? "");
        var (settingErrors, _) = ApplicationRules.Apply(application, input.Settings, await ContextAsync(cancellationToken));
        foreach (var (field, messages) in settingErrors)
        {
            errors[field] = messages;
        }
        if (input.Icon is not null)
        {
            var (contentType, iconError) = Icons.Inspect(input.Icon);
            if (iconError is not null)
            {
                errors.Add("icon", iconError);
            }
            application.Icon = input.Icon;
            application.IconContentType = contentType;
        }
        if (!input.AcceptTerms)
        {
            errors.Add("acceptTerms", "Read and accept the Terms of Personal Data Use to create the application.");
        }
        if (errors.Any)
        {
            return new InvalidInput(errors);
        }

        var secret = RandomSecrets.ApplicationSecret();
        application.SecretHash = hasher.Hash(secret);
        owner.Version++;
        db.Applications.Add(application);
        audit.Record(db, actor, owner.Id, "application.created", application.Id,
            $"Created '{application.Name}'; accepted terms version {application.TermsVersion}.");
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateConcurrencyException)
        {
            return new Refused(StatusCodes.Status409Conflict, "Another application was created at the same time.", "Try again.");
        }
        catch (DbUpdateException) when (db.Applications.Any(a => a.OwnerId == owner.Id && a.NameKey == application.NameKey))
        {
            return new InvalidInput(FieldErrors.Of("name", $"You already have an application named '{name}'."));
        }
        return new IssuedSecret(application, secret);
    }

    public async Task<Outcome<Application>> UpdateAsync(Actor actor, string id, ApplicationSettings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(actor);
        var application = await OwnedAsync(actor, id, cancellationToken);
        if (application is null)
        {
            return new Missing("Application");
        }
        var (errors, changed) = ApplicationRules.Apply(application, settings, await ContextAsync(cancellationToken));
        if (errors.Any)
        {
            return new InvalidInput(errors);
        }
        if (changed.Count > 0)
        {
            application.UpdatedAt = time.GetUtcNow();
            audit.Record(db, actor, application.OwnerId, "application.updated", application.Id, $"Changed {string.Join(", ", changed)}.");
            await traces.WithdrawAsync(application, application.UpdatedAt, cancellationToken);
            await db.SaveChangesAsync(cancellationToken);
            changes.Publish(ChangeKind.Application, application.Id);
            await traces.ConsentChangedAsync(cancellationToken);
        }
        return application;
    }

    public async Task<Outcome<Application>> SetIconAsync(Actor actor, string id, byte[]? icon, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(actor);
        var application = await OwnedAsync(actor, id, cancellationToken);
        if (application is null)
        {
            return new Missing("Application");
        }
        string? contentType = null;
        if (icon is not null)
        {
            (contentType, var error) = Icons.Inspect(icon);
            if (error is not null)
            {
                return new InvalidInput(FieldErrors.Of("icon", error));
            }
        }
        application.Icon = icon;
        application.IconContentType = contentType;
        application.UpdatedAt = time.GetUtcNow();
        audit.Record(db, actor, application.OwnerId, "application.updated", application.Id, icon is null ? "Removed the icon." : "Changed the icon.");
        await db.SaveChangesAsync(cancellationToken);
        return application;
    }

    /// <summary>
    /// Saves the CoAP codec definition exactly as sent, once it parses; every problem in it is reported under <c>codec</c>.
    /// Null removes it.
    /// </summary>
    public async Task<Outcome<Application>> SetCodecAsync(Actor actor, string id, string? definition, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(actor);
        var application = await OwnedAsync(actor, id, cancellationToken);
        if (application is null)
        {
            return new Missing("Application");
        }
        if (definition is not null && PayloadCodec.Parse(definition) is { IsValid: false } parse)
        {
            var errors = new FieldErrors();
            foreach (var error in parse.Errors)
            {
                errors.Add("codec", error);
            }
            return new InvalidInput(errors);
        }
        if (application.Codec == definition)
        {
            return application;
        }
        application.Codec = definition;
        application.UpdatedAt = time.GetUtcNow();
        audit.Record(db, actor, application.OwnerId, "application.updated", application.Id,
            definition is null ? "Removed the CoAP codec." : "Changed the CoAP codec.");
        await db.SaveChangesAsync(cancellationToken);
        return application;
    }

    /// <summary>
    /// Issues a new secret. Without grace the old secret and everything issued with it stop working at once;
    /// with grace the old secret still logs in until the grace ends, so an NA can roll over without downtime.
    /// </summary>
    public async Task<Outcome<IssuedSecret>> ResetSecretAsync(Actor actor, string id, TimeSpan grace, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(actor);
        var application = await OwnedAsync(actor, id, cancellationToken);
        if (application is null)
        {
            return new Missing("Application");
        }
        if (grace < TimeSpan.Zero || grace > MaxSecretGrace)
        {
            return new InvalidInput(FieldErrors.Of("graceMinutes", $"Choose a grace period of 0 to {MaxSecretGrace.TotalMinutes} minutes."));
        }
        var now = time.GetUtcNow();
        var secret = RandomSecrets.ApplicationSecret();
        if (grace > TimeSpan.Zero && application.SecretHash is not null)
        {
            application.PreviousSecretHash = application.SecretHash;
            application.PreviousSecretValidUntil = now + grace;
        }
        else
        {
            application.PreviousSecretHash = null;
            application.PreviousSecretValidUntil = null;
            application.CredentialsIssuedAfter = now;
            // Revoked outright as well: a token issued in the same clock tick as the reset is not "before" it.
            foreach (var token in await db.NorthboundTokens.Where(t => t.ApplicationId == application.Id && t.RevokedAt == null).ToListAsync(cancellationToken))
            {
                token.RevokedAt = now;
            }
        }
        application.SecretHash = hasher.Hash(secret);
        application.UpdatedAt = now;
        var previous = grace > TimeSpan.Zero ? $"The old one keeps working until {now + grace:u}." : "The old one stopped working at once.";
        audit.Record(db, actor, application.OwnerId, "application.secret-reset", application.Id, $"New secret. {previous}");
        await platformMail.QueueAsync(db, application.Id, $"The secret of application {application.Name} was reset",
            $"The secret of your application {application.Name} ({application.Id}) was reset at {now:u}. {previous}\n\n"
            + "If you did not expect this, sign in to Shoal and reset it again.", cancellationToken);
        await db.SaveChangesAsync(cancellationToken);
        changes.Publish(ChangeKind.ApplicationTokens, application.Id);
        return new IssuedSecret(application, secret);
    }

    /// <summary>Checks an application secret as a northbound login will: the current one, or the previous one within its grace.</summary>
    public bool SecretMatches(Application application, string secret)
    {
        ArgumentNullException.ThrowIfNull(application);
        return hasher.Matches(secret, application.SecretHash)
            || application.PreviousSecretValidUntil > time.GetUtcNow() && hasher.Matches(secret, application.PreviousSecretHash);
    }

    public async Task<Outcome<Application>> DeleteAsync(Actor actor, string id, string? confirmName, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(actor);
        var application = await OwnedAsync(actor, id, cancellationToken);
        if (application is null)
        {
            return new Missing("Application");
        }
        if (application.IsDefault)
        {
            return new Refused(StatusCodes.Status409Conflict, "The default application cannot be deleted.");
        }
        if (confirmName != application.Name)
        {
            return new InvalidInput(FieldErrors.Of("confirmName", $"Type the application's name, '{application.Name}', to confirm the deletion."));
        }
        db.Applications.Remove(application);
        audit.Record(db, actor, application.OwnerId, "application.deleted", application.Id, $"Deleted '{application.Name}' and everything in it.");
        await db.SaveChangesAsync(cancellationToken);
        changes.Publish(ChangeKind.Application, application.Id);
        sessions.Raise();
        return application;
    }

    public async Task<Outcome<Paged<AuditEntry>>> AuditAsync(Guid ownerId, string id, int? page, int? pageSize, CancellationToken cancellationToken)
    {
        if (!await db.Applications.AnyAsync(a => a.Id == id && a.OwnerId == ownerId, cancellationToken))
        {
            return new Missing("Application");
        }
        var (number, size) = Paging.Normalize(page, pageSize);
        var query = db.AuditEntries.AsNoTracking().Where(e => e.ApplicationId == id && e.SubjectUserId == ownerId);
        var total = await query.CountAsync(cancellationToken);
        var items = await query.OrderByDescending(e => e.Id).Skip((number - 1) * size).Take(size).ToListAsync(cancellationToken);
        return new Paged<AuditEntry>(items, number, size, total);
    }

    public AccessAddresses Addresses => addresses;

    public static Refused QuotaReached(int quota) => new(
        StatusCodes.Status409Conflict,
        "Application quota reached.",
        $"You have {quota} of {quota} applications. Delete one, or ask the operator to raise your quota.");

    private Task<Application?> OwnedAsync(Actor actor, string id, CancellationToken cancellationToken) =>
        db.Applications.SingleOrDefaultAsync(a => a.Id == id && a.OwnerId == actor.Id, cancellationToken);
}
