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

    public IActionResult OnPost(
        string? applicationId, string? applicationName, string? secret, string? applicationAccessAddress, string? deviceAccessAddress,
        CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var text = new StringBuilder()
            .Append("Shoal application credentials\n")
            .Append($"Application name: {applicationName}\n")
            .Append($"Application ID: {applicationId}\n")
            .Append($"Application secret: {secret}\n")
            .Append($"Application access address: {applicationAccessAddress}\n")
            .Append($"Device access address: {deviceAccessAddress}\n")
            .ToString();
        var name = new string((applicationName ?? "application").Where(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-').ToArray());
        Response.Headers.CacheControl = "no-store";
        return File(Encoding.UTF8.GetBytes(text), "text/plain; charset=utf-8", $"shoal-{name}-secret.txt");
    }
}
