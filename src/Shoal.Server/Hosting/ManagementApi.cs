using System.Text.Json.Serialization;
using System.Text.Json;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.Json;
using Scalar.AspNetCore;
using Shoal.Server.Accounts;
using Shoal.Server.Applications;
using Shoal.Server.Common;
using Shoal.Server.Devices;
using Shoal.Server.Grants;
using Shoal.Server.Live;
using Shoal.Server.MessageServers;
using Shoal.Server.Operations;
using Shoal.Server.Rules;
using Shoal.Server.Subscriptions;
using Shoal.Server.Tracing;

namespace Shoal.Server.Hosting;

internal static class ManagementApi
{
    /// <summary>Largest request body the management API reads: enough for a 200 KB icon in base64 and a CA bundle.</summary>
    public const long MaxRequestBodyBytes = 1024 * 1024;

    public static WebApplicationBuilder AddManagementApi(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddProblemDetails();
        services.AddExceptionHandler<BadRequestHandler>();
        services.Configure<RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);
        services.Configure<JsonOptions>(options => Configure(options.SerializerOptions));
        services.AddOpenApi("v1", options => options.AddDocumentTransformer((document, _, _) =>
        {
            document.Info.Title = "Shoal management API";
            document.Info.Description = "Manage accounts, applications and the operator's registry. Authenticate with a personal API token as a bearer token (POST /api/v1/tokens).";
            return Task.CompletedTask;
        }));
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Limits.MaxRequestBodySize = MaxRequestBodyBytes);
        services.AddScoped<ApplicationFactory>();
        services.AddScoped<Applications.Applications>();
        services.AddScoped<MessageServerRegistry>();
        services.AddScoped<TestSends>();
        services.AddScoped<OperatorConsole>();
        services.AddScoped<Grants.Grants>();
        services.AddScoped<RuleBook>();
        services.AddSingleton<LiveFeed>();
        services.AddHostedService<LiveFeedWorker>();
        return builder;
    }

    public static void Configure(JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Converters.Add(new JsonStringEnumConverter(allowIntegerValues: false));
        StorableText.Apply(options);
        // A misspelt field is a mistake worth telling, not a setting silently left at its default.
        options.UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow;
    }

    public static WebApplication MapManagementApi(this WebApplication app)
    {
        var api = app.MapGroup("/api/v1").AddEndpointFilter<CookieAntiforgery>();
        api.MapAccountSignIn();
        api.MapAccount();
        api.MapApplications();
        api.MapDevices();
        api.MapDeviceRequests();
        api.MapDeviceMessages();
        api.MapDeviceShadow();
        api.MapLive();
        api.MapGrants();
        api.MapPush();
        api.MapCommissioningCa();
        api.MapRules();
        api.MapMessageServerChoices();
        api.MapOperator();
        api.MapTraces();
        app.MapOpenApi("/openapi/{documentName}.json").AllowAnonymous();
        // The reference page must work where Shoal has no way out, and must not send a reader elsewhere.
        app.MapScalarApiReference("/api/reference", options => options
            .WithTitle("Shoal API reference")
            .DisableDefaultFonts()
            .DisableTelemetry()
            .DisableAgent()
            .DisableMcp()
            .HideDeveloperTools()
            .HideClientButton()
            .HideDarkModeToggle()
            .WithCustomCss(".darklight-reference-promo, a[href^='https://www.scalar.com'], a[href^='https://scalar.com'] { display: none !important; }"))
            .AllowAnonymous();
        return app;
    }

    /// <summary>
    /// A browser's cookie rides along on cross-site requests, so a cookie-authenticated change must carry
    /// the antiforgery token too; API tokens are never sent by a browser on its own and need none.
    /// </summary>
    private sealed class CookieAntiforgery(IAntiforgery antiforgery) : IEndpointFilter
    {
        public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
        {
            var http = context.HttpContext;
            var unsafeMethod = !(HttpMethods.IsGet(http.Request.Method) || HttpMethods.IsHead(http.Request.Method) || HttpMethods.IsOptions(http.Request.Method));
            if (unsafeMethod && http.User.Identity?.AuthenticationType == CookieAuthenticationDefaults.AuthenticationScheme
                && !await antiforgery.IsRequestValidAsync(http))
            {
                return TypedResults.Problem(
                    statusCode: StatusCodes.Status400BadRequest,
                    title: "Missing or invalid antiforgery token.",
                    detail: "Send the X-CSRF-TOKEN header with a cookie session, or authenticate with an API token.");
            }
            return await next(context);
        }
    }

    /// <summary>Turns unreadable requests (bad JSON, wrong types, oversize bodies) into ProblemDetails naming what was wrong.</summary>
    private sealed class BadRequestHandler(IProblemDetailsService problems) : IExceptionHandler
    {
        public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
        {
            if (exception is not BadHttpRequestException bad)
            {
                return false;
            }
            httpContext.Response.StatusCode = bad.StatusCode;
            var problem = new Microsoft.AspNetCore.Mvc.ProblemDetails
            {
                Status = bad.StatusCode,
                Title = bad.StatusCode == StatusCodes.Status413PayloadTooLarge ? "The request body is too large." : "The request could not be read.",
                Detail = bad.StatusCode == StatusCodes.Status413PayloadTooLarge
                    ? $"Send at most {MaxRequestBodyBytes / 1024} KB."
                    : bad.InnerException is JsonException json ? Describe(json) : bad.Message,
            };
            if (bad.InnerException is JsonException { Path: { } path })
            {
                problem.Extensions["errors"] = new Dictionary<string, string[]> { [FieldName(path)] = [Describe((JsonException)bad.InnerException)] };
            }
            return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = httpContext, ProblemDetails = problem, Exception = exception });
        }

        private static string FieldName(string path) => path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : path;

        private static string Describe(JsonException json) => json.Path is null or "$"
            ? "The body is not valid JSON."
            : $"'{FieldName(json.Path)}' has a value of the wrong type or is not a known field. {json.Message.Split(" Path:")[0]}";
    }
}
