using Microsoft.AspNetCore.Http.HttpResults;
using Shoal.Server.Audit;
using Shoal.Server.Common;

namespace Shoal.Server.MessageServers;

/// <summary>A test message to an address the operator gives; <c>answer</c> is the server's own words when it failed.</summary>
public sealed record TestSendRequest(string? To);

public sealed record TestSendResponse(bool Sent, string? Answer);

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
        HttpContext http, TestSends tests, Guid id, TestSendRequest request, CancellationToken cancellationToken) =>
        Answer(await tests.EmailAsync(Actor.From(http), id, request.To, cancellationToken));

    private static async Task<Results<Ok<TestSendResponse>, ProblemHttpResult>> TestSms(
        HttpContext http, TestSends tests, Guid id, TestSendRequest request, CancellationToken cancellationToken) =>
        Answer(await tests.SmsAsync(Actor.From(http), id, request.To, cancellationToken));

    private static Results<Ok<TestSendResponse>, ProblemHttpResult> Answer(Outcome<TestSendResponse> outcome) =>
        outcome.Succeeded ? TypedResults.Ok(outcome.Value!) : outcome.Failure!.ToProblem();
}
