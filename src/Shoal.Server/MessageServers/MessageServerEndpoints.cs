using Microsoft.AspNetCore.Http.HttpResults;
using Shoal.Server.Audit;
using Shoal.Server.Common;

namespace Shoal.Server.MessageServers;

internal static class MessageServerEndpoints
{
    /// <summary>The servers a user can pick for an application: names only.</summary>
    public static IEndpointRouteBuilder MapMessageServerChoices(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/message-servers", Choices).WithTags("Applications");
        return routes;
    }

    /// <summary>The operator's registry of e-mail and SMS servers.</summary>
    public static IEndpointRouteBuilder MapMessageServers(this IEndpointRouteBuilder routes)
    {
        var email = routes.MapGroup("/email-servers").WithTags("Operator");
        email.MapGet("/", ListEmail);
        email.MapPost("/", CreateEmail);
        email.MapPut("/{id:guid}", UpdateEmail);
        email.MapDelete("/{id:guid}", DeleteEmail);
        var sms = routes.MapGroup("/sms-servers").WithTags("Operator");
        sms.MapGet("/", ListSms);
        sms.MapPost("/", CreateSms);
        sms.MapPut("/{id:guid}", UpdateSms);
        sms.MapDelete("/{id:guid}", DeleteSms);
        routes.MapGroup("/").WithTags("Operator").MapTestSends();
        return routes;
    }

    private static async Task<Ok<MessageServerChoices>> Choices(MessageServerRegistry registry, CancellationToken cancellationToken) =>
        TypedResults.Ok(new MessageServerChoices(
            [.. (await registry.EmailServersAsync(cancellationToken)).Select(s => new MessageServerChoice(s.Id, s.Name))],
            [.. (await registry.SmsServersAsync(cancellationToken)).Select(s => new MessageServerChoice(s.Id, s.Name))]));

    private static async Task<Ok<EmailServerResponse[]>> ListEmail(MessageServerRegistry registry, CancellationToken cancellationToken) =>
        TypedResults.Ok((await registry.EmailServersAsync(cancellationToken)).Select(s => s.ToResponse()).ToArray());

    private static async Task<Results<Created<EmailServerResponse>, ProblemHttpResult>> CreateEmail(
        HttpContext http, MessageServerRegistry registry, EmailServerRequest request, CancellationToken cancellationToken)
    {
        var outcome = await registry.SaveEmailServerAsync(Actor.From(http), null, request, cancellationToken);
        return outcome.Succeeded
            ? TypedResults.Created($"/api/v1/operator/email-servers/{outcome.Value!.Id}", outcome.Value.ToResponse())
            : outcome.Failure!.ToProblem();
    }

    private static async Task<Results<Ok<EmailServerResponse>, ProblemHttpResult>> UpdateEmail(
        HttpContext http, MessageServerRegistry registry, Guid id, EmailServerRequest request, CancellationToken cancellationToken)
    {
        var outcome = await registry.SaveEmailServerAsync(Actor.From(http), id, request, cancellationToken);
        return outcome.Succeeded ? TypedResults.Ok(outcome.Value!.ToResponse()) : outcome.Failure!.ToProblem();
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> DeleteEmail(
        HttpContext http, MessageServerRegistry registry, Guid id, CancellationToken cancellationToken) =>
        await registry.DeleteEmailServerAsync(Actor.From(http), id, cancellationToken)
            ? TypedResults.NoContent()
            : new Missing("E-mail server").ToProblem();

    private static async Task<Ok<SmsServerResponse[]>> ListSms(MessageServerRegistry registry, CancellationToken cancellationToken) =>
        TypedResults.Ok((await registry.SmsServersAsync(cancellationToken)).Select(s => s.ToResponse()).ToArray());

    private static async Task<Results<Created<SmsServerResponse>, ProblemHttpResult>> CreateSms(
        HttpContext http, MessageServerRegistry registry, SmsServerRequest request, CancellationToken cancellationToken)
    {
        var outcome = await registry.SaveSmsServerAsync(Actor.From(http), null, request, cancellationToken);
        return outcome.Succeeded
            ? TypedResults.Created($"/api/v1/operator/sms-servers/{outcome.Value!.Id}", outcome.Value.ToResponse())
            : outcome.Failure!.ToProblem();
    }

    private static async Task<Results<Ok<SmsServerResponse>, ProblemHttpResult>> UpdateSms(
        HttpContext http, MessageServerRegistry registry, Guid id, SmsServerRequest request, CancellationToken cancellationToken)
    {
        var outcome = await registry.SaveSmsServerAsync(Actor.From(http), id, request, cancellationToken);
        return outcome.Succeeded ? TypedResults.Ok(outcome.Value!.ToResponse()) : outcome.Failure!.ToProblem();
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> DeleteSms(
        HttpContext http, MessageServerRegistry registry, Guid id, CancellationToken cancellationToken) =>
        await registry.DeleteSmsServerAsync(Actor.From(http), id, cancellationToken)
            ? TypedResults.NoContent()
            : new Missing("SMS server").ToProblem();
}
