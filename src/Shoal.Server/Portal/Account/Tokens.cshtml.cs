using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Shoal.Server.Audit;
using Shoal.Storage;
using Shoal.Storage.Entities;

namespace Shoal.Server.Portal.Account;

internal sealed class TokensModel(Accounts.Accounts accounts, ShoalDb db, TimeProvider time) : PageModel
{
    public IReadOnlyList<ApiToken> Tokens { get; private set; } = [];

    [BindProperty]
    public string? Name { get; set; }

    /// <summary>A datetime-local value, read as UTC.</summary>
    [BindProperty]
    public DateTime? ExpiresAt { get; set; }

    /// <summary>Set only in the response that issued the token: it is never shown again.</summary>
    public string? IssuedToken { get; private set; }

    public string? Revoked { get; private set; }

    public DateTimeOffset Now => time.GetUtcNow();

    public async Task OnGetAsync(CancellationToken cancellationToken) => await LoadAsync(cancellationToken);

    public async Task<IActionResult> OnPostCreateAsync(CancellationToken cancellationToken)
    {
        ModelState.ClearBindingErrors();
        var actor = Actor.From(HttpContext);
        var user = await db.Users.AsNoTracking().SingleAsync(u => u.Id == actor.Id, cancellationToken);
        var expiresAt = ExpiresAt is { } at ? new DateTimeOffset(DateTime.SpecifyKind(at, DateTimeKind.Utc)) : (DateTimeOffset?)null;
        var outcome = await accounts.IssueTokenAsync(user, Name, expiresAt, actor.Address, cancellationToken);
        if (outcome.Succeeded)
        {
            Response.Headers.CacheControl = "no-store";
            IssuedToken = outcome.Value.Plaintext;
            Name = null;
            ExpiresAt = null;
        }
        else
        {
            outcome.Failure!.AddTo(ModelState);
            Response.StatusCode = outcome.Failure!.Status;
        }
        await LoadAsync(cancellationToken);
        return Page();
    }

    public async Task<IActionResult> OnPostRevokeAsync(Guid tokenId, CancellationToken cancellationToken)
    {
        if (!await accounts.RevokeTokenAsync(Actor.From(HttpContext), tokenId, cancellationToken))
        {
            return NotFound();
        }
        return Redirect("/account/tokens");
    }

    private async Task LoadAsync(CancellationToken cancellationToken)
    {
        var id = Actor.From(HttpContext).RequiredId;
        Tokens = await db.ApiTokens.AsNoTracking().Where(t => t.UserId == id).OrderByDescending(t => t.CreatedAt).ToListAsync(cancellationToken);
    }
}
