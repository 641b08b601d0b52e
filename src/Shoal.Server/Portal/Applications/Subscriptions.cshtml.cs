using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Shoal.Delivery;
using Shoal.Server.Audit;
using Shoal.Server.Common;
using Shoal.Server.Subscriptions;
using Shoal.Storage.Entities;

namespace Shoal.Server.Portal.Applications;

internal sealed class SubscriptionsModel(Server.Applications.Applications applications, DeliveryLog log) : PageModel
{
    public Application Application { get; private set; } = null!;

    public PushOverview Overview { get; private set; } = null!;

    public Paged<PushAttempt> Attempts { get; private set; } = null!;

    public Paged<PushDelivery> DeadLetters { get; private set; } = null!;

    public int? Replayed { get; private set; }

    [BindProperty]
    public string? NotifyType { get; set; }

    [BindProperty]
    public string? CallbackUrl { get; set; }

    public bool Subscribed { get; private set; }

    /// <summary>What a subscription's receiver answered the sample push just sent.</summary>
    public (string SubscriptionId, PushResult Result)? Tested { get; private set; }

    /// <summary>A new signing secret, shown on this one answer only.</summary>
    public string? SigningSecret { get; private set; }

    public async Task<IActionResult> OnGetAsync(string id, [FromQuery(Name = "page")] int? page, CancellationToken cancellationToken) =>
        await LoadAsync(id, page, cancellationToken) ? Page() : NotFound();

    public async Task<IActionResult> OnPostReplayAsync(string id, long? deliveryId, CancellationToken cancellationToken)
    {
        var outcome = await log.ReplayAsync(Actor.From(HttpContext), id, deliveryId, cancellationToken);
        if (!outcome.Succeeded)
        {
            return NotFound();
        }
        Replayed = outcome.Value;
        return await LoadAsync(id, null, cancellationToken) ? Page() : NotFound();
    }

    public async Task<IActionResult> OnPostSubscribeAsync(string id, CancellationToken cancellationToken)
    {
        ModelState.ClearBindingErrors();
        var outcome = await log.SubscribeAsync(Actor.From(HttpContext), id, NotifyType, CallbackUrl?.Trim(), cancellationToken);
        if (outcome.Failure is Missing)
        {
            return NotFound();
        }
        if (outcome.Succeeded)
        {
            Subscribed = true;
            NotifyType = CallbackUrl = null;
        }
        else
        {
            outcome.Failure!.AddTo(ModelState);
            Response.StatusCode = outcome.Failure!.Status;
        }
        return await LoadAsync(id, null, cancellationToken) ? Page() : NotFound();
    }

    public async Task<IActionResult> OnPostUnsubscribeAsync(string id, string subscriptionId, CancellationToken cancellationToken) =>
        (await log.UnsubscribeAsync(Actor.From(HttpContext), id, subscriptionId, cancellationToken)).Succeeded
            ? Redirect($"/applications/{id}/subscriptions")
            : NotFound();

    public async Task<IActionResult> OnPostTestAsync(string id, string subscriptionId, CancellationToken cancellationToken)
    {
        var outcome = await log.TestAsync(Actor.From(HttpContext).RequiredId, id, subscriptionId, cancellationToken);
        if (!outcome.Succeeded)
        {
            return NotFound();
        }
        Tested = (subscriptionId, outcome.Value!);
        return await LoadAsync(id, null, cancellationToken) ? Page() : NotFound();
    }

    public async Task<IActionResult> OnPostSigningSecretAsync(string id, CancellationToken cancellationToken)
    {
        var outcome = await log.RotateSigningSecretAsync(Actor.From(HttpContext), id, cancellationToken);
        if (!outcome.Succeeded)
        {
            return NotFound();
        }
        SigningSecret = outcome.Value;
        Response.Headers.CacheControl = "no-store";
        return await LoadAsync(id, null, cancellationToken) ? Page() : NotFound();
    }

    private async Task<bool> LoadAsync(string id, int? page, CancellationToken cancellationToken)
    {
        var owner = Actor.From(HttpContext).RequiredId;
        var application = await applications.FindAsync(owner, id, cancellationToken);
        var overview = await log.OverviewAsync(owner, id, cancellationToken);
        if (application is null || !overview.Succeeded)
        {
            return false;
        }
        Application = application;
        Overview = overview.Value!;
        Attempts = (await log.AttemptsAsync(owner, id, null, page, null, cancellationToken)).Value!;
        DeadLetters = (await log.DeadLettersAsync(owner, id, null, Paging.MaxPageSize, cancellationToken)).Value!;
        return true;
    }
}
