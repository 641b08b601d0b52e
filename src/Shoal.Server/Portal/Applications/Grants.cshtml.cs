using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Shoal.Server.Audit;
using Shoal.Server.Common;
using Shoal.Server.Grants;
using Shoal.Storage.Entities;

namespace Shoal.Server.Portal.Applications;

internal sealed class GrantsModel(Server.Applications.Applications applications, Server.Grants.Grants grants, TimeProvider time) : PageModel
{
    public Application Application { get; private set; } = null!;

    public IReadOnlyList<GrantView> Granted { get; private set; } = [];

    /// <summary>The user's other applications, offered as grantees.</summary>
    public IReadOnlyList<Application> OwnApplications { get; private set; } = [];

    public DateTimeOffset Now => time.GetUtcNow();

    [BindProperty]
    public string? GranteeApplicationId { get; set; }

    /// <summary>The grantee picked from <see cref="OwnApplications"/>; used when no ID is typed (the form without script).</summary>
    [BindProperty]
    public string? OwnApplication { get; set; }

    [BindProperty]
    public GrantLevel Level { get; set; }

    /// <summary>A datetime-local value, read as UTC.</summary>
    [BindProperty]
    public DateTime? ExpiresAt { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? Revoked { get; set; }

    public bool Created { get; private set; }

    public async Task<IActionResult> OnGetAsync(string id, CancellationToken cancellationToken) =>
        await LoadAsync(id, cancellationToken) ? Page() : NotFound();

    public async Task<IActionResult> OnPostCreateAsync(string id, CancellationToken cancellationToken)
    {
        ModelState.ClearBindingErrors();
        var expiresAt = ExpiresAt is { } at ? new DateTimeOffset(DateTime.SpecifyKind(at, DateTimeKind.Utc)) : (DateTimeOffset?)null;
        var outcome = await grants.CreateAsync(
            Actor.From(HttpContext), id, string.IsNullOrWhiteSpace(GranteeApplicationId) ? OwnApplication : GranteeApplicationId, Level, expiresAt, cancellationToken);
        if (outcome.Succeeded)
        {
            Created = true;
            GranteeApplicationId = OwnApplication = null;
            Level = default;
            ExpiresAt = null;
        }
        else if (outcome.Failure is Missing)
        {
            return NotFound();
        }
        else
        {
            outcome.Failure!.AddTo(ModelState);
            Response.StatusCode = outcome.Failure!.Status;
        }
        return await LoadAsync(id, cancellationToken) ? Page() : NotFound();
    }

    public async Task<IActionResult> OnPostRevokeAsync(string id, Guid grantId, CancellationToken cancellationToken)
    {
        var outcome = await grants.RevokeAsync(Actor.From(HttpContext), id, grantId, cancellationToken);
        return outcome.Succeeded
            ? Redirect($"/applications/{id}/grants?revoked={Uri.EscapeDataString(outcome.Value!.GranteeId)}")
            : NotFound();
    }

    private async Task<bool> LoadAsync(string id, CancellationToken cancellationToken)
    {
        var owner = Actor.From(HttpContext).RequiredId;
        var application = await applications.FindAsync(owner, id, cancellationToken);
        var granted = await grants.GrantedAsync(owner, id, cancellationToken);
        if (application is null || !granted.Succeeded)
        {
            return false;
        }
        Application = application;
        Granted = granted.Value!;
        OwnApplications = (await applications.ListAsync(owner, 1, Paging.MaxPageSize, cancellationToken)).Items.Where(a => a.Id != id).ToList();
        return true;
    }
}
