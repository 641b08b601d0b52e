using System.Net.Mail;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Shoal.Delivery.Mail;
using Shoal.Delivery.Sms;
using Shoal.Server.Audit;
using Shoal.Server.Common;
using Shoal.Storage;

namespace Shoal.Server.MessageServers;

/// <summary>A test message to an address the operator gives; <c>answer</c> is the server's own words when it failed.</summary>
public sealed record TestSendRequest(string? To);

public sealed record TestSendResponse(bool Sent, string? Answer);

/// <summary>The operator tries a server with one real message before applications depend on it.</summary>
internal static class TestSendEndpoints
{
    public static IEndpointRouteBuilder MapTestSends(this IEndpointRouteBuilder routes)
    {
        routes.MapPost("/email-servers/{id:guid}/test", TestEmail).WithName("TestEmailServer")
            .WithSummary("Sends a test e-mail through this server and returns the server's answer.");
        routes.MapPost("/sms-servers/{id:guid}/test", TestSms).WithName("TestSmsServer")
            .WithSummary("Sends a test SMS through this gateway and returns the gateway's answer.");
        return routes;
    }

    private static async Task<Results<Ok<TestSendResponse>, ProblemHttpResult>> TestEmail(
        HttpContext http, ShoalDb db, AuditLog audit, MailSender mail, Guid id, TestSendRequest request, CancellationToken cancellationToken)
    {
        var server = await db.EmailServers.AsNoTracking().SingleOrDefaultAsync(s => s.Id == id, cancellationToken);
        if (server is null)
        {
            return new Missing("E-mail server").ToProblem();
        }
        if (request.To is not { } to || !MailAddress.TryCreate(to, out var address) || address.Address != to)
        {
            return new InvalidInput(FieldErrors.Of("to", "Enter the e-mail address the test should go to.")).ToProblem();
        }
        var answer = await mail.SendAsync(server, [to], "Shoal test message", $"This message tests the e-mail server '{server.Name}'.", cancellationToken);
        await RecordAsync(http, db, audit, "email-server.tested", $"E-mail server '{server.Name}' to {to}", answer, cancellationToken);
        return TypedResults.Ok(new TestSendResponse(answer is null, answer));
    }

    private static async Task<Results<Ok<TestSendResponse>, ProblemHttpResult>> TestSms(
        HttpContext http, ShoalDb db, AuditLog audit, SmsSender sms, Guid id, TestSendRequest request, CancellationToken cancellationToken)
    {
        var server = await db.SmsServers.AsNoTracking().SingleOrDefaultAsync(s => s.Id == id, cancellationToken);
        if (server is null)
        {
            return new Missing("SMS server").ToProblem();
        }
        if (string.IsNullOrWhiteSpace(request.To) || !request.To.Trim().TrimStart('+').All(char.IsAsciiDigit))
        {
            return new InvalidInput(FieldErrors.Of("to", "Enter the phone number the test should go to.")).ToProblem();
        }
        var answer = await sms.SendAsync(server, request.To.Trim(), $"Shoal test message through '{server.Name}'.", cancellationToken);
        await RecordAsync(http, db, audit, "sms-server.tested", $"SMS server '{server.Name}' to {request.To.Trim()}", answer, cancellationToken);
        return TypedResults.Ok(new TestSendResponse(answer is null, answer));
    }

    private static async Task RecordAsync(HttpContext http, ShoalDb db, AuditLog audit, string action, string what, string? failure, CancellationToken cancellationToken)
    {
        var actor = Actor.From(http);
        audit.Record(db, actor, actor.RequiredId, action, detail: failure is null ? $"{what}: sent." : $"{what}: failed: {failure}");
        await db.SaveChangesAsync(cancellationToken);
    }
}
