using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Options;
using Shoal.Server.Applications;
using Shoal.Server.Audit;
using Shoal.Server.Common;
using Shoal.Server.Hosting;
using Shoal.Server.MessageServers;
using Shoal.Storage.Entities;

namespace Shoal.Server.Portal.Applications;

internal sealed class EditModel(
    Server.Applications.Applications applications,
    ApplicationFactory factory,
    MessageServerRegistry registry,
    IOptions<ShoalOptions> options) : PageModel
{
    [BindProperty]
    public ApplicationInput Input { get; set; } = new();

    public Application Application { get; private set; } = null!;

    public ApplicationFormView Form { get; private set; } = null!;

    public async Task<IActionResult> OnGetAsync(string id, CancellationToken cancellationToken)
    {
        var application = await applications.FindAsync(Actor.From(HttpContext).RequiredId, id, cancellationToken);
        if (application is null)
        {
            return NotFound();
        }
        Input = ApplicationInput.From(application);
        await LoadFormAsync(application, cancellationToken);
        return Page();
    }

    public async Task<IActionResult> OnPostAsync(string id, CancellationToken cancellationToken)
    {
        ModelState.ClearBindingErrors();
        var actor = Actor.From(HttpContext);
        var icon = await Input.ReadIconAsync(cancellationToken);
        // The icon is checked before anything is saved, so a bad file never leaves the settings half-applied.
        if (icon is not null && Icons.Inspect(icon).Error is { } iconError)
        {
            new InvalidInput(FieldErrors.Of("icon", iconError)).AddTo(ModelState);
            return await RedisplayAsync(id, StatusCodes.Status400BadRequest, cancellationToken);
        }
        var outcome = await applications.UpdateAsync(actor, id, await Input.ToSettingsAsync(cancellationToken), cancellationToken);
        if (outcome.Succeeded && (icon is not null || Input.RemoveIcon))
        {
            outcome = await applications.SetIconAsync(actor, id, icon, cancellationToken);
        }
        if (!outcome.Succeeded)
        {
            if (outcome.Failure is Missing)
            {
                return NotFound();
            }
            outcome.Failure!.AddTo(ModelState);
            return await RedisplayAsync(id, outcome.Failure!.Status, cancellationToken);
        }
        return Redirect($"/applications/{id}?saved=true");
    }

    private async Task<IActionResult> RedisplayAsync(string id, int status, CancellationToken cancellationToken)
    {
        var application = await applications.FindAsync(Actor.From(HttpContext).RequiredId, id, cancellationToken);
        if (application is null)
        {
            return NotFound();
        }
        Response.StatusCode = status;
        await LoadFormAsync(application, cancellationToken);
        return Page();
    }

    private async Task LoadFormAsync(Application application, CancellationToken cancellationToken)
    {
        Application = application;
        Form = await ApplicationFormView.LoadAsync(Input, application, factory, registry, options.Value.TermsVersion, cancellationToken);
    }
}
