using System.Text.RegularExpressions;
using MimeKit;
using Shoal.Server.Tests.Rules;

namespace Shoal.Server.Tests.Accounts;

/// <summary>Reads the one-time links Shoal mails for password resets and invitations.</summary>
public static partial class AccountMail
{
    /// <summary>The next mail to <paramref name="address"/>; mails to others that arrive first are passed over.</summary>
    public static async Task<MimeMessage> NextToAsync(this SmtpReceiver smtp, string address)
    {
        ArgumentNullException.ThrowIfNull(smtp);
        while (true)
        {
            var mail = await smtp.NextAsync();
            if (mail.To.Mailboxes.Any(m => string.Equals(m.Address, address, StringComparison.OrdinalIgnoreCase)))
            {
                return mail;
            }
        }
    }

    /// <summary>The path and query of the portal link in a mail, e.g. <c>/account/reset-password?token=…</c>.</summary>
    public static string LinkIn(MimeMessage mail)
    {
        ArgumentNullException.ThrowIfNull(mail);
        var match = Link().Match(mail.TextBody ?? "");
        Assert.True(match.Success, $"No link in: {mail.TextBody}");
        return match.Groups[1].Value;
    }

    /// <summary>The token of the link in a mail.</summary>
    public static string TokenIn(MimeMessage mail) => LinkIn(mail).Split('=')[1];

    [GeneratedRegex(@"https?://[^/\s]+(/account/[a-z-]+\?[a-z]+=[A-Za-z0-9_-]+)")]
    private static partial Regex Link();
}
