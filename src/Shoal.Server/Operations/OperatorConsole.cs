using Microsoft.EntityFrameworkCore;
using Shoal.Server.Audit;
using Shoal.Server.Common;
using Shoal.Storage;
using Shoal.Storage.Entities;

namespace Shoal.Server.Operations;

/// <summary>What an operator may do to users, applications and the platform; each action lands in the audit log of what it touched.</summary>
internal sealed class OperatorConsole(ShoalDb db, AuditLog audit, Changes changes, Gateway.SessionReviewSignal sessions, TimeProvider time)
{
    public const int MaxQuota = 10_000;

    public async Task<Paged<OperatorUserResponse>> UsersAsync(string? search, int? page, int? pageSize, CancellationToken cancellationToken)
    {
        var (number, size) = Paging.Normalize(page, pageSize);
        var query = db.Users.AsNoTracking();
        if (!string.IsNullOrWhiteSpace(search))
        {
            var key = search.Trim().ToUpperInvariant();
            query = query.Where(u => u.EmailKey.Contains(key) || u.DisplayName.ToUpper().Contains(key));
        }
        var total = await query.CountAsync(cancellationToken);
        var items = await query.OrderBy(u => u.EmailKey).Skip((number - 1) * size).Take(size)
            .Select(u => new OperatorUserResponse(
                u.Id, u.Email, u.DisplayName, u.IsOperator,
                db.Applications.Count(a => a.OwnerId == u.Id), u.ApplicationQuota, u.FrozenAt != null, u.CreatedAt))
            .ToListAsync(cancellationToken);
        return new Paged<OperatorUserResponse>(items, number, size, total);
    }

    public async Task<Outcome<User>> SetQuotaAsync(Actor actor, Guid userId, int quota, CancellationToken cancellationToken)
    {
        var user = await db.Users.SingleOrDefaultAsync(u => u.Id == userId, cancellationToken);
        if (user is null)
        {
            return new Missing("User");
        }
        if (quota is < 1 or > MaxQuota)
        {
            return new InvalidInput(FieldErrors.Of("quota", $"Choose a quota of 1 to {MaxQuota} applications."));
        }
        var before = user.ApplicationQuota;
        user.ApplicationQuota = quota;
        audit.Record(db, actor, user.Id, "user.quota-changed", detail: $"Application quota {before} → {quota}.");
        await db.SaveChangesAsync(cancellationToken);
        return user;
    }

    public async Task<Outcome<User>> FreezeUserAsync(Actor actor, Guid userId, bool frozen, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(actor);
        var user = await db.Users.SingleOrDefaultAsync(u => u.Id == userId, cancellationToken);
        if (user is null)
        {
            return new Missing("User");
        }
        if (user.Id == actor.Id)
        {
            return new Refused(StatusCodes.Status409Conflict, "You cannot freeze your own account.");
        }
        user.FrozenAt = frozen ? user.FrozenAt ?? time.GetUtcNow() : null;
        audit.Record(db, actor, user.Id, frozen ? "user.frozen" : "user.unfrozen");
        await db.SaveChangesAsync(cancellationToken);
        return user;
    }

    public async Task<Paged<OperatorApplicationResponse>> ApplicationsAsync(string? search, int? page, int? pageSize, CancellationToken cancellationToken)
    {
        var (number, size) = Paging.Normalize(page, pageSize);
        var query = db.Applications.AsNoTracking().Join(db.Users, a => a.OwnerId, u => u.Id, (a, u) => new { Application = a, Owner = u });
        if (!string.IsNullOrWhiteSpace(search))
        {
            var key = search.Trim().ToUpperInvariant();
            query = query.Where(x => x.Application.NameKey.Contains(key) || x.Application.Id == search.Trim() || x.Owner.EmailKey.Contains(key));
        }
        var total = await query.CountAsync(cancellationToken);
        var rows = await query.OrderBy(x => x.Owner.EmailKey).ThenBy(x => x.Application.NameKey).Skip((number - 1) * size).Take(size)
            .Select(x => new
            {
                x.Application.Id, x.Application.Name, x.Application.OwnerId, x.Owner.Email, x.Application.Industry, x.Application.IsDefault,
                x.Application.Tracing, x.Application.TracingUntil, Frozen = x.Application.FrozenAt != null, x.Application.CreatedAt,
            })
            .ToListAsync(cancellationToken);
        var items = rows.Select(r => new OperatorApplicationResponse(
            r.Id, r.Name, r.OwnerId, r.Email, r.Industry, r.IsDefault, r.Tracing.ToString(), r.TracingUntil, r.Frozen, r.CreatedAt)).ToList();
        return new Paged<OperatorApplicationResponse>(items, number, size, total);
    }

    /// <summary>A frozen application keeps its data but refuses NA logins, device connections and pushes.</summary>
    public async Task<Outcome<Application>> FreezeApplicationAsync(Actor actor, string applicationId, bool frozen, CancellationToken cancellationToken)
    {
        var application = await db.Applications.SingleOrDefaultAsync(a => a.Id == applicationId, cancellationToken);
        if (application is null)
        {
            return new Missing("Application");
        }
        application.FrozenAt = frozen ? application.FrozenAt ?? time.GetUtcNow() : null;
        audit.Record(db, actor, application.OwnerId, frozen ? "application.frozen" : "application.unfrozen", application.Id);
        await db.SaveChangesAsync(cancellationToken);
        changes.Publish(ChangeKind.Application, application.Id);
        sessions.Raise();
        return application;
    }

    public async Task<PlatformSettings> SettingsAsync(CancellationToken cancellationToken) =>
        await db.PlatformSettings.AsNoTracking().SingleOrDefaultAsync(cancellationToken) ?? new PlatformSettings();

    public async Task<Outcome<PlatformSettings>> UpdateSettingsAsync(Actor actor, PlatformSettingsRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(actor);
        ArgumentNullException.ThrowIfNull(request);
        if (request.HistoryMaxDays is < 1 or > PlatformSettings.HistoryDaysCeiling)
        {
            return new InvalidInput(FieldErrors.Of("historyMaxDays", $"Choose 1 to {PlatformSettings.HistoryDaysCeiling} days."));
        }
        if (request.PushRetryWindowMinutes is < PlatformSettings.PushRetryWindowMinutesFloor or > PlatformSettings.PushRetryWindowMinutesCeiling)
        {
            return new InvalidInput(FieldErrors.Of("pushRetryWindowMinutes",
                $"Choose {PlatformSettings.PushRetryWindowMinutesFloor} to {PlatformSettings.PushRetryWindowMinutesCeiling} minutes (7 days)."));
        }
        if (TraceLimitErrors(request) is { Any: true } traceErrors)
        {
            return new InvalidInput(traceErrors);
        }
        var settings = await db.PlatformSettings.SingleOrDefaultAsync(cancellationToken);
        if (settings is null)
        {
            settings = new PlatformSettings();
            db.PlatformSettings.Add(settings);
        }
        var before = settings.HistoryMaxDays;
        settings.HistoryMaxDays = request.HistoryMaxDays;
        var retryWindowBefore = settings.PushRetryWindowMinutes;
        settings.PushRetryWindowMinutes = request.PushRetryWindowMinutes ?? settings.PushRetryWindowMinutes;
        settings.UpdatedAt = time.GetUtcNow();
        // Applications that kept more history than the new maximum are brought down to it.
        await db.Applications.Where(a => a.StorageDays > request.HistoryMaxDays)
            .ExecuteUpdateAsync(a => a.SetProperty(x => x.StorageDays, request.HistoryMaxDays), cancellationToken);
        var traceLimits = $"{settings.TraceMaxDevicesPerOperator} devices, {settings.TraceMaxMinutes} minutes, {settings.TraceRetentionHours} hours";
        settings.TraceMaxDevicesPerOperator = request.TraceMaxDevicesPerOperator ?? settings.TraceMaxDevicesPerOperator;
        settings.TraceMaxMinutes = request.TraceMaxMinutes ?? settings.TraceMaxMinutes;
        settings.TraceRetentionHours = request.TraceRetentionHours ?? settings.TraceRetentionHours;
        audit.Record(db, actor, actor.RequiredId, "platform.settings-changed",
            detail: $"History maximum {before} → {request.HistoryMaxDays} days. Trace limits {traceLimits} → "
                + $"{settings.TraceMaxDevicesPerOperator} devices, {settings.TraceMaxMinutes} minutes, {settings.TraceRetentionHours} hours.");
        if (retryWindowBefore != settings.PushRetryWindowMinutes)
        {
            audit.Record(db, actor, actor.RequiredId, "platform.settings-changed",
                detail: $"Push retry window {retryWindowBefore} → {settings.PushRetryWindowMinutes} minutes.");
        }
        if (request.SignUpOpen is { } open && open != settings.SignUpOpen)
        {
            settings.SignUpOpen = open;
            audit.Record(db, actor, actor.RequiredId, "platform.settings-changed", detail: open ? "Sign-up opened." : "Sign-up closed: only invited addresses may sign up.");
        }
        await db.SaveChangesAsync(cancellationToken);
        return settings;
    }

    private static FieldErrors TraceLimitErrors(PlatformSettingsRequest request)
    {
        var errors = new FieldErrors();
        if (request.TraceMaxDevicesPerOperator is < 1 or > PlatformSettings.TraceMaxDevicesCeiling)
        {
            errors.Add("traceMaxDevicesPerOperator", $"Choose 1 to {PlatformSettings.TraceMaxDevicesCeiling} devices.");
        }
        if (request.TraceMaxMinutes is < 1 or > PlatformSettings.TraceMinutesCeiling)
        {
            errors.Add("traceMaxMinutes", $"Choose 1 to {PlatformSettings.TraceMinutesCeiling} minutes.");
        }
        if (request.TraceRetentionHours is < 1 or > PlatformSettings.TraceRetentionHoursCeiling)
        {
            errors.Add("traceRetentionHours", $"Choose 1 to {PlatformSettings.TraceRetentionHoursCeiling} hours: traced data is kept 3 days at most.");
        }
        return errors;
    }
}
