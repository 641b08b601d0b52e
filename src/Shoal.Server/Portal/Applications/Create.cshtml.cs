using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Options;
using Shoal.Server.Applications;
using Shoal.Server.Audit;
using Shoal.Server.Hosting;
using Shoal.Server.MessageServers;
using Shoal.Storage.Entities;

namespace Shoal.Server.Portal.Applications;

internal sealed class CreateModel(
    Server.Applications.Applications applications,
    ApplicationFactory factory,
    MessageServerRegistry registry,
    IOptions<ShoalOptions> options) : PageModel
{
    [BindProperty]
    public ApplicationInput Input { get; set; } = new();

    public ApplicationFormView Form { get; private set; } = null!;

    /// <summary>Set only in the response to a successful creation: the secret is never rendered again.</summary>
    public Credentials? Created { get; private set; }

    public Application? CreatedApplication { get; private set; }

    public string? QuotaMessage { get; private set; }

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        var usage = await applications.UsageAsync(Actor.From(HttpContext).RequiredId, cancellationToken);
        if (usage.Full)
        {
            QuotaMessage = usage.Refusal.Message();
        }
        await LoadFormAsync(cancellationToken);
    }

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        ModelState.ClearBindingErrors();
        var outcome = await applications.CreateAsync(
            Actor.From(HttpContext),
            new NewApplication(Input.Name, await Input.ToSettingsAsync(cancellationToken), await Input.ReadIconAsync(cancellationToken), Input.AcceptTerms),
            cancellationToken);
        if (!outcome.Succeeded)
        {
            outcome.Failure!.AddTo(ModelState);
            Response.StatusCode = outcome.Failure!.Status;
            await LoadFormAsync(cancellationToken);
            return Page();
        }
        var (application, secret) = outcome.Value!;
        Response.Headers.CacheControl = "no-store";
        CreatedApplication = application;
        Created = Credentials.ForApplication(
            "Application created",
            $"“{application.Name}” is ready. Your network application connects with the application ID and secret below; devices connect to the device access address.",
            application.Id, application.Name, secret, applications.Addresses);
        return Page();
    }

    private async Task LoadFormAsync(CancellationToken cancellationToken) =>
        Form = await ApplicationFormView.LoadAsync(Input, null, factory, registry, options.Value.TermsVersion, cancellationToken);
}
