using System.Text;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Shoal.Server.Portal.Applications;

/// <summary>
/// "Save secret to local" without script: echoes the credentials the browser already holds back as a file.
/// Nothing is looked up or kept; with script the browser builds the same file itself.
/// </summary>
internal sealed class SecretFileModel : PageModel
{
    public IActionResult OnGet() => Redirect("/applications");

    public IActionResult OnPost(string? heading, string? fileName, string[] label, string[] value, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(label);
        ArgumentNullException.ThrowIfNull(value);
        cancellationToken.ThrowIfCancellationRequested();
        var text = new StringBuilder().Append(heading).Append('\n');
        foreach (var (name, line) in label.Zip(value))
        {
            text.Append($"{name}: {line}\n");
        }
        Response.Headers.CacheControl = "no-store";
        return File(Encoding.UTF8.GetBytes(text.ToString()), "text/plain; charset=utf-8", Credentials.SafeFileName(fileName));
    }
}
