using System.Text.Json;
using System.Text.Json.Serialization;
using Shoal.Server.Common;
using Shoal.Server.Northbound;
using Shoal.Storage.Entities;

namespace Shoal.Server.Rules;

/// <summary>The rule calls of the reference platform's northbound API.</summary>
internal static class NorthboundRuleEndpoints
{
    private const string Path = "/rule/v1.2.0/rules";

    /// <summary>Northbound JSON, with the rule's times in the northbound form.</summary>
    private static readonly JsonSerializerOptions Json = new(NorthboundJson.Options) { Converters = { new NorthboundTime() } };

    public static IEndpointRouteBuilder MapNorthboundRules(this IEndpointRouteBuilder routes)
    {
        routes.MapPost(Path, Create);
        routes.MapPut(Path, Update);
        routes.MapGet(Path, Query);
        routes.MapGet($"{Path}/{{ruleId}}", Get);
        routes.MapPut($"{Path}/{{ruleId}}/status/{{status}}", SetStatus);
        routes.MapDelete($"{Path}/{{ruleId}}", Delete);
        return routes;
    }

    private static async Task<IResult> Create(HttpContext http, RuleBook rules, CancellationToken cancellationToken)
    {
        var (body, error) = await NorthboundJson.ReadAsync<RuleRequest>(http.Request, cancellationToken);
        return error is not null ? error.ToResult() : Saved(await rules.SaveAsync(NorthboundCaller.Of(http).TargetApplicationId, null, body!, cancellationToken, Through(http)));
    }

    private static async Task<IResult> Update(HttpContext http, RuleBook rules, CancellationToken cancellationToken)
    {
        var (body, error) = await NorthboundJson.ReadAsync<RuleRequest>(http.Request, cancellationToken);
        if (error is not null)
        {
            return error.ToResult();
        }
        return string.IsNullOrEmpty(body!.RuleId)
            ? NorthboundError.Missing("ruleId").ToResult()
            : Saved(await rules.SaveAsync(NorthboundCaller.Of(http).TargetApplicationId, body.RuleId, body, cancellationToken, Through(http)));
    }

    private static async Task<IResult> Query(HttpContext http, RuleBook rules, CancellationToken cancellationToken)
    {
        var query = http.Request.Query;
        var applicationId = NorthboundCaller.Of(http).TargetApplicationId;
        var found = await rules.ListAsync(applicationId, query["name"].FirstOrDefault(), query["author"].FirstOrDefault(), cancellationToken);
        return TypedResults.Json(await rules.DescribeAsync(applicationId, found, cancellationToken), Json);
    }

    private static async Task<IResult> Get(HttpContext http, RuleBook rules, string ruleId, CancellationToken cancellationToken)
    {
        var rule = await rules.FindAsync(NorthboundCaller.Of(http).TargetApplicationId, ruleId, cancellationToken);
        return rule is null ? NorthboundError.ResourceMissing().ToResult() : TypedResults.Json(await rules.DescribeAsync(rule, cancellationToken), Json);
    }

    private static async Task<IResult> SetStatus(HttpContext http, RuleBook rules, string ruleId, string status, CancellationToken cancellationToken)
    {
        var outcome = await rules.SetStatusAsync(NorthboundCaller.Of(http).TargetApplicationId, ruleId, status, cancellationToken);
        return outcome.Succeeded
            ? TypedResults.Json(new StatusResponse(ruleId, outcome.Value!.Status.ToString().ToLowerInvariant()), Json)
            : ToError(outcome.Failure!).ToResult();
    }

    private static async Task<IResult> Delete(HttpContext http, RuleBook rules, string ruleId, CancellationToken cancellationToken) =>
        await rules.DeleteAsync(NorthboundCaller.Of(http).TargetApplicationId, ruleId, cancellationToken)
            ? TypedResults.NoContent()
            : NorthboundError.ResourceMissing().ToResult();

    /// <summary>The application whose NA acts through a grant, which the rule is then bound to; null for the owner's own NA.</summary>
    private static string? Through(HttpContext http) => NorthboundCaller.Of(http) is { ActsForAnother: true } caller ? caller.CallerId : null;

    private static IResult Saved(Outcome<Rule> outcome) =>
        outcome.Succeeded ? TypedResults.Json(new SavedResponse(outcome.Value!.Id), Json) : ToError(outcome.Failure!).ToResult();

    /// <summary>A missing required field is 102202, as elsewhere in the API; anything else wrong is 100022 naming each field.</summary>
    private static NorthboundError ToError(Failure failure) => failure switch
    {
        InvalidInput { Errors: var errors } when errors.FirstOrDefault(e => e.Value.Contains("is required.") && !e.Key.Contains('.', StringComparison.Ordinal)) is { Key: { } field } =>
            NorthboundError.Missing(field),
        InvalidInput { Errors: var errors } => NorthboundError.Invalid(string.Join(" ", errors.Select(e => $"{e.Key}: {string.Join(" ", e.Value)}"))),
        _ => NorthboundError.ResourceMissing(),
    };

    private sealed record SavedResponse(string RuleId);

    private sealed record StatusResponse(string RuleId, string Status);

    private sealed class NorthboundTime : JsonConverter<DateTimeOffset>
    {
        public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            throw new NotSupportedException();

        public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options) =>
            writer.WriteStringValue(NorthboundJson.Time(value));
    }
}
