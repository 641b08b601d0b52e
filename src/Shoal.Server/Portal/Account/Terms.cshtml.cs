using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Options;
using Shoal.Server.Hosting;

namespace Shoal.Server.Portal.Account;

internal sealed class TermsModel(IOptions<ShoalOptions> options) : PageModel
{
    public string Version => options.Value.TermsVersion;
}
