using System.Text.Json.Serialization;
using Shoal.Server.Northbound;
using Shoal.Storage.Entities;

namespace Shoal.Server.Subscriptions;

/// <summary>The subscription calls of the northbound API, with the older <c>subscribe</c> paths NAs still call.</summary>
internal static class NorthboundSubscriptionEndpoints
{
    private const string Path = "/sub/v1.2.0/subscriptions";

    public static IEndpointRouteBuilder MapNorthboundSubscriptions(this IEndpointRouteBuilder routes)
    {
        routes.MapPost(Path, Subscribe);
        routes.MapPost("/sub/v1.1.0/subscribe", SubscribeLegacy);
        routes.MapPost("/sub/v1.2.0/subscribe", SubscribeLegacy);
        routes.MapGet(Path, List);
        routes.MapGet($"{Path}/{{subscriptionId}}", Get);
        routes.MapDelete($"{Path}/{{subscriptionId}}", Delete);
        routes.MapDelete(Path, DeleteWhere);
        return routes;
    }

    private static async Task<IResult> Subscribe(HttpContext http, SubscriptionRegistry registry, CancellationToken cancellationToken)
    {
        var (body, error) = await NorthboundJson.ReadAsync<SubscribeRequest>(http.Request, cancellationToken);
        if (error is not null)
        {
            return error.ToResult();
        }
        var caller = NorthboundCaller.Of(http);
        // appId may come in the body as well as in the query; the body's names the application subscribed for.
        if (!string.IsNullOrEmpty(body!.AppId) && body.AppId != caller.TargetApplicationId)
        {
            var (resolved, denied) = await NorthboundAuthentication.ResolveAsync(http, caller.CallerId, body.AppId);
            if (denied is not null)
            {
                return denied.ToResult();
            }
            caller = resolved!;
        }
        return await CreateAsync(registry, caller, body.NotifyType, body.CallbackUrl, cancellationToken);
    }

    private static async Task<IResult> SubscribeLegacy(HttpContext http, SubscriptionRegistry registry, CancellationToken cancellationToken)
    {
        var (body, error) = await NorthboundJson.ReadAsync<LegacySubscribeRequest>(http.Request, cancellationToken);
        return error is not null
            ? error.ToResult()
            : await CreateAsync(registry, NorthboundCaller.Of(http), body!.NotifyType, body.Callbackurl, cancellationToken);
    }

    private static async Task<IResult> CreateAsync(
        SubscriptionRegistry registry, NorthboundCaller caller, string? notifyType, string? callbackUrl, CancellationToken cancellationToken)
    {
        var (subscription, error) = await registry.SubscribeAsync(caller, notifyType, callbackUrl, cancellationToken);
        return error is not null
            ? error.ToResult()
            : TypedResults.Json(SubscriptionResponse.From(subscription!), NorthboundJson.Options, statusCode: StatusCodes.Status201Created);
    }

    private static async Task<IResult> List(HttpContext http, SubscriptionRegistry registry, CancellationToken cancellationToken)
    {
        var query = http.Request.Query;
        var (page, error) = NorthboundPage.Parse(query);
        if (error is not null)
        {
            return error.ToResult();
        }
        var (items, total) = await registry.ListAsync(
            NorthboundCaller.Of(http), query["notifyType"].FirstOrDefault(), page.PageNo, page.PageSize, cancellationToken);
        return TypedResults.Json(new SubscriptionListResponse(total, page.PageNo, page.PageSize, [.. items.Select(SubscriptionResponse.From)]), NorthboundJson.Options);
    }

    private static async Task<IResult> Get(HttpContext http, SubscriptionRegistry registry, string subscriptionId, CancellationToken cancellationToken)
    {
        var subscription = await registry.FindAsync(NorthboundCaller.Of(http), subscriptionId, cancellationToken);
        return subscription is null
            ? NorthboundError.ResourceMissing().ToResult()
            : TypedResults.Json(SubscriptionResponse.From(subscription), NorthboundJson.Options);
    }

    private static async Task<IResult> Delete(HttpContext http, SubscriptionRegistry registry, string subscriptionId, CancellationToken cancellationToken) =>
        await registry.DeleteAsync(NorthboundCaller.Of(http), subscriptionId, cancellationToken)
            ? TypedResults.NoContent()
            : NorthboundError.ResourceMissing().ToResult();

    private static async Task<IResult> DeleteWhere(HttpContext http, SubscriptionRegistry registry, CancellationToken cancellationToken)
    {
        var query = http.Request.Query;
        await registry.DeleteWhereAsync(
            NorthboundCaller.Of(http), query["notifyType"].FirstOrDefault(), query["callbackUrl"].FirstOrDefault(), cancellationToken);
        return TypedResults.NoContent();
    }

    private sealed record SubscribeRequest(string? NotifyType, string? CallbackUrl, string? AppId, [property: JsonConverter(typeof(FlexibleBoolean))] bool? OwnerFlag);

    /// <summary>The older body, with the lower-case <c>callbackurl</c> that NAs in the field send.</summary>
    private sealed record LegacySubscribeRequest(string? NotifyType, [property: JsonPropertyName("callbackurl")] string? Callbackurl);

    /// <summary><see cref="SubscriberAppId"/> (beyond the reference) names the application whose NA subscribed: another one's did so through a grant.</summary>
    private sealed record SubscriptionResponse(string SubscriptionId, string NotifyType, string CallbackUrl, string AppId, string SubscriberAppId)
    {
        public static SubscriptionResponse From(Subscription s) => new(s.Id, s.NotifyType, s.CallbackUrl, s.ApplicationId, s.SubscriberId);
    }

    private sealed record SubscriptionListResponse(int TotalCount, int PageNo, int PageSize, IReadOnlyList<SubscriptionResponse> Subscriptions);

    /// <summary>The reference platform's clients send <c>ownerFlag</c> as a boolean or as the text "true"/"false".</summary>
    private sealed class FlexibleBoolean : JsonConverter<bool?>
    {
        public override bool? Read(ref System.Text.Json.Utf8JsonReader reader, Type typeToConvert, System.Text.Json.JsonSerializerOptions options) =>
            reader.TokenType switch
            {
                System.Text.Json.JsonTokenType.True => true,
                System.Text.Json.JsonTokenType.False => false,
                System.Text.Json.JsonTokenType.String when bool.TryParse(reader.GetString(), out var parsed) => parsed,
                System.Text.Json.JsonTokenType.Null => null,
                _ => throw new System.Text.Json.JsonException("ownerFlag must be true or false."),
            };

        public override void Write(System.Text.Json.Utf8JsonWriter writer, bool? value, System.Text.Json.JsonSerializerOptions options) =>
            throw new NotSupportedException();
    }
}
