using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Shoal.Server.Portal;

internal sealed class HomeModel : PageModel
{
    public IActionResult OnGet() => Redirect("/applications");
}
