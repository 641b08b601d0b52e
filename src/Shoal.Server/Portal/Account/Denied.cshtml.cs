using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Shoal.Server.Portal.Account;

internal sealed class DeniedModel : PageModel
{
    public void OnGet() => Response.StatusCode = StatusCodes.Status403Forbidden;
}
