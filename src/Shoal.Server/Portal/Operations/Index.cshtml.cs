using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Shoal.Server.Portal.Operations;

internal sealed class IndexModel : PageModel
{
    public IActionResult OnGet() => Redirect("/operations/users");
}
