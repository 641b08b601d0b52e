using System.Net.Mail;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Shoal.Server.Audit;
using Shoal.Server.Common;
using Shoal.Server.Security;
using Shoal.Storage;
using Shoal.Storage.Entities;

namespace Shoal.Server.MessageServers;

/// <summary>The operator's e-mail and SMS servers. Their secrets are encrypted before they reach the database.</summary>
internal sealed partial class MessageServerRegistry(ShoalDb db, SecretProtector protector, AuditLog audit, TimeProvider time)
{
    private static readonly string[] Methods = ["GET", "POST", "PUT"];

    [GeneratedRegex("^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,64}$")]
    private static partial Regex HeaderName();

    [GeneratedRegex(@"\{[a-zA-Z]+\}")]
    private static partial Regex Placeholder();

    public Task<List<EmailServer>> EmailServersAsync(CancellationToken cancellationToken) =>
        db.EmailServers.AsNoTracking().OrderBy(s => s.Name).ToListAsync(cancellationToken);

    public Task<List<SmsServer>> SmsServersAsync(CancellationToken cancellationToken) =>
        db.SmsServers.AsNoTracking().OrderBy(s => s.Name).ToListAsync(cancellationToken);

    public async Task<Outcome<EmailServer>> SaveEmailServerAsync(Actor actor, Guid? id, EmailServerRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(actor);
        ArgumentNullException.ThrowIfNull(request);
        var server = id is null ? null : await db.EmailServers.SingleOrDefaultAsync(s => s.Id == id, cancellationToken);
        if (id is not null && server is null)
        {
            return new Missing("E-mail server");
        }
        var errors = new FieldErrors();
        var name = CheckName(request.Name, errors);
        if (await db.EmailServers.AnyAsync(s => s.Name == name && s.Id != id, cancellationToken))
        {
            errors.Add("name", $"A server named '{name}' already exists.");
        }
        var host = request.Host?.Trim() ?? "";
        if (host.Length is 0 or > 253 || Uri.CheckHostName(host) == UriHostNameType.Unknown)
        {
            errors.Add("host", "Enter the SMTP server's host name or IP address.");
        }
        if (request.Port is < 1 or > 65535)
        {
            errors.Add("port", "Enter a port from 1 to 65535 (usually 25, 465 or 587).");
        }
        if (!Enum.IsDefined(request.TlsMode))
        {
            errors.Add("tlsMode", "Choose None, StartTls or ImplicitTls.");
        }
        var userName = string.IsNullOrWhiteSpace(request.UserName) ? null : request.UserName.Trim();
        if (userName?.Length > 254)
        {
            errors.Add("userName", "Use at most 254 characters for the user name.");
        }
        if (request.Password?.Length > 1024)
        {
            errors.Add("password", "Use at most 1,024 characters for the password.");
        }
        var sender = request.SenderAddress?.Trim() ?? "";
        if (sender.Length > 254 || !MailAddress.TryCreate(sender, out _))
        {
            errors.Add("senderAddress", "Enter the sender's e-mail address, like iot@example.com.");
        }
        if (errors.Any)
        {
            return new InvalidInput(errors);
        }

        var now = time.GetUtcNow();
        if (server is null)
        {
            server = new EmailServer { Id = Guid.CreateVersion7(now), Name = name, Host = host, SenderAddress = sender, CreatedAt = now };
            db.EmailServers.Add(server);
        }
        server.Name = name;
        server.Host = host;
        server.Port = request.Port;
        server.TlsMode = request.TlsMode;
        server.UserName = userName;
        if (request.Password is not null)
        {
            server.ProtectedPassword = protector.Protect(request.Password);
        }
        server.SenderAddress = sender;
        server.UpdatedAt = now;
        audit.Record(db, actor, actor.RequiredId, id is null ? "email-server.created" : "email-server.updated", detail: $"E-mail server '{name}' ({host}:{request.Port}).");
        await db.SaveChangesAsync(cancellationToken);
        return server;
    }

    public async Task<Outcome<SmsServer>> SaveSmsServerAsync(Actor actor, Guid? id, SmsServerRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(actor);
        ArgumentNullException.ThrowIfNull(request);
        var server = id is null ? null : await db.SmsServers.SingleOrDefaultAsync(s => s.Id == id, cancellationToken);
        if (id is not null && server is null)
        {
            return new Missing("SMS server");
        }
        var errors = new FieldErrors();
        var name = CheckName(request.Name, errors);
        if (await db.SmsServers.AnyAsync(s => s.Name == name && s.Id != id, cancellationToken))
        {
            errors.Add("name", $"A server named '{name}' already exists.");
        }
        var method = request.Method?.Trim().ToUpperInvariant() ?? "POST";
        if (!Methods.Contains(method))
        {
            errors.Add("method", "Choose GET, POST or PUT.");
        }
        var url = request.UrlTemplate?.Trim() ?? "";
        var sample = Placeholder().Replace(url, "x");
        if (url.Length > 2048 || !Uri.TryCreate(sample, UriKind.Absolute, out var parsed) || parsed.Scheme is not ("http" or "https"))
        {
            errors.Add("urlTemplate", "Enter the gateway's http:// or https:// URL; {to} and {text} are replaced when sending.");
        }
        foreach (var (header, value) in request.Headers ?? new Dictionary<string, string>())
        {
            if (!HeaderName().IsMatch(header) || value is null || value.Contains('\n') || value.Contains('\r'))
            {
                errors.Add("headers", $"'{header}' is not a valid header name and value.");
            }
        }
        if (request.BodyTemplate?.Length > 4096)
        {
            errors.Add("bodyTemplate", "Use at most 4,096 characters for the body template.");
        }
        if (errors.Any)
        {
            return new InvalidInput(errors);
        }

        var now = time.GetUtcNow();
        if (server is null)
        {
            server = new SmsServer { Id = Guid.CreateVersion7(now), Name = name, Method = method, UrlTemplate = url, HeaderNames = "", CreatedAt = now };
            db.SmsServers.Add(server);
        }
        server.Name = name;
        server.Method = method;
        server.UrlTemplate = url;
        if (request.Headers is not null)
        {
            server.HeaderNames = string.Join('\n', request.Headers.Keys);
            server.ProtectedHeaders = request.Headers.Count == 0 ? null : protector.Protect(JsonSerializer.Serialize(request.Headers));
        }
        server.BodyTemplate = string.IsNullOrEmpty(request.BodyTemplate) ? null : request.BodyTemplate;
        server.UpdatedAt = now;
        audit.Record(db, actor, actor.RequiredId, id is null ? "sms-server.created" : "sms-server.updated", detail: $"SMS server '{name}' ({method} {new Uri(sample).Host}).");
        await db.SaveChangesAsync(cancellationToken);
        return server;
    }

    public async Task<bool> DeleteEmailServerAsync(Actor actor, Guid id, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(actor);
        var server = await db.EmailServers.SingleOrDefaultAsync(s => s.Id == id, cancellationToken);
        if (server is null)
        {
            return false;
        }
        db.EmailServers.Remove(server);
        audit.Record(db, actor, actor.RequiredId, "email-server.deleted", detail: $"E-mail server '{server.Name}'; applications that chose it now use a random one.");
        await db.SaveChangesAsync(cancellationToken);
        return true;
    }

    public async Task<bool> DeleteSmsServerAsync(Actor actor, Guid id, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(actor);
        var server = await db.SmsServers.SingleOrDefaultAsync(s => s.Id == id, cancellationToken);
        if (server is null)
        {
            return false;
        }
        db.SmsServers.Remove(server);
        audit.Record(db, actor, actor.RequiredId, "sms-server.deleted", detail: $"SMS server '{server.Name}'; applications that chose it now use a random one.");
        await db.SaveChangesAsync(cancellationToken);
        return true;
    }

    private static string CheckName(string? requested, FieldErrors errors)
    {
        var name = requested?.Trim() ?? "";
        if (name.Length is 0 or > 100)
        {
            errors.Add("name", "Name the server (1 to 100 characters).");
        }
        return name;
    }
}
