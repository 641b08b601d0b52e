using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Options;
using MimeKit;
using Shoal.Delivery.Rules;
using Shoal.Storage.Entities;

namespace Shoal.Delivery.Mail;

/// <summary>Sends one e-mail through one SMTP server with MailKit; a failure is the server's own answer.</summary>
public sealed class MailSender(IDataProtectionProvider protection, IOptions<MessageOptions> options)
{
    // The purpose the server's registry encrypts SMTP passwords with.
    private readonly IDataProtector _protector = protection.CreateProtector("Shoal.MessageServerSecrets.v1");

    /// <summary>Null when the server accepted the message, otherwise what went wrong in its words.</summary>
    public async Task<string?> SendAsync(EmailServer server, IReadOnlyList<string> recipients, string subject, string body, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(server);
        ArgumentNullException.ThrowIfNull(recipients);
        using var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse(server.SenderAddress));
        message.To.AddRange(recipients.Select(MailboxAddress.Parse));
        message.Subject = subject;
        message.Body = new TextPart("plain") { Text = body };
        using var client = new SmtpClient { Timeout = (int)options.Value.Timeout.TotalMilliseconds };
        try
        {
            var tls = server.TlsMode switch
            {
                SmtpTlsMode.StartTls => SecureSocketOptions.StartTls,
                SmtpTlsMode.ImplicitTls => SecureSocketOptions.SslOnConnect,
                _ => SecureSocketOptions.None,
            };
            await client.ConnectAsync(server.Host, server.Port, tls, cancellationToken);
            if (!string.IsNullOrEmpty(server.UserName))
            {
                var password = server.ProtectedPassword is null ? "" : _protector.Unprotect(server.ProtectedPassword);
                await client.AuthenticateAsync(server.UserName, password, cancellationToken);
            }
            await client.SendAsync(message, cancellationToken);
            await client.DisconnectAsync(true, cancellationToken);
            return null;
        }
        catch (SmtpCommandException e)
        {
            return $"The SMTP server answered {(int)e.StatusCode}: {e.Message}";
        }
        catch (Exception e) when (e is SmtpProtocolException or AuthenticationException or SslHandshakeException or IOException
            or System.Net.Sockets.SocketException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return $"{server.Host}:{server.Port}: {e.Message}";
        }
    }
}
