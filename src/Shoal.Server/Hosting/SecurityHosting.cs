using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Shoal.Server.Accounts;
using Shoal.Server.Audit;
using Shoal.Server.Security;
using Shoal.Storage;
using Shoal.Storage.Entities;

namespace Shoal.Server.Hosting;

internal static class SecurityHosting
{
    public const string SmartScheme = "CookieOrToken";

    public static WebApplicationBuilder AddAccounts(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        var keys = Path.Combine(builder.DataDirectory(), "keys");
        services.AddDataProtection().SetApplicationName("Shoal").PersistKeysToFileSystem(new DirectoryInfo(keys));
        const string KeyEncryptionKeySetting = $"{ShoalOptions.Section}:{nameof(ShoalOptions.KeyEncryptionKey)}";
        if (KeyEncryptionKey.From(builder.Configuration[KeyEncryptionKeySetting], KeyEncryptionKeySetting) is { } keyEncryptionKey)
        {
            // Keys written before the setting stay readable as they are; every new key is sealed.
            services.AddSingleton(keyEncryptionKey);
            services.Configure<KeyManagementOptions>(options => options.XmlEncryptor = new KeyEncryptionKeyEncryptor(keyEncryptionKey));
        }
        services.AddSingleton(SecretHasher.Load(builder.Configuration[$"{ShoalOptions.Section}:{nameof(ShoalOptions.SecretHashKey)}"], keys));
        services.AddSingleton<SecretProtector>();
        services.AddOptions<AccountOptions>().BindConfiguration(AccountOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<PasswordHasherOptions>().Configure<IOptions<AccountOptions>>(
            (hasher, accounts) => hasher.IterationCount = accounts.Value.PasswordHashIterations);
        services.AddSingleton<IPasswordHasher<User>, PasswordHasher<User>>();
        services.AddSingleton<SignInThrottle>();
        services.AddSingleton<AuditLog>();
        services.AddScoped<Accounts.Accounts>();
        services.AddScoped<AccountLinks>();

        services.AddAuthentication(SmartScheme)
            // The northbound API's bearer tokens are an NA's, not a user's: NorthboundAuthentication checks them.
            .AddPolicyScheme(SmartScheme, "Cookie or API token", policy => policy.ForwardDefaultSelector = http =>
                !http.Request.Path.StartsWithSegments("/iocm")
                && http.Request.Headers.Authorization.ToString().StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)
                    ? ApiTokenAuthentication.SchemeName
                    : CookieAuthenticationDefaults.AuthenticationScheme)
            .AddScheme<AuthenticationSchemeOptions, ApiTokenAuthentication>(ApiTokenAuthentication.SchemeName, null)
            .AddCookie(cookie =>
            {
                cookie.Cookie.Name = "shoal.session";
                cookie.Cookie.HttpOnly = true;
                cookie.Cookie.SameSite = SameSiteMode.Strict;
                cookie.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                cookie.LoginPath = "/account/sign-in";
                cookie.LogoutPath = "/account/sign-out";
                cookie.AccessDeniedPath = "/account/denied";
                cookie.SlidingExpiration = true;
                cookie.Events.OnRedirectToLogin = context => ApiStatusOrRedirect(context, StatusCodes.Status401Unauthorized);
                cookie.Events.OnRedirectToAccessDenied = context => ApiStatusOrRedirect(context, StatusCodes.Status403Forbidden);
                cookie.Events.OnValidatePrincipal = RefreshFromDatabase;
            });
        services.AddOptions<CookieAuthenticationOptions>(CookieAuthenticationDefaults.AuthenticationScheme)
            .Configure<IOptions<AccountOptions>>((cookie, accounts) => cookie.ExpireTimeSpan = accounts.Value.SessionLifetime);
        services.AddAuthorizationBuilder()
            .SetFallbackPolicy(new Microsoft.AspNetCore.Authorization.AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build())
            .AddPolicy(Roles.Operator, policy => policy.RequireRole(Roles.Operator));
        services.AddAntiforgery(options => options.HeaderName = "X-CSRF-TOKEN");
        return builder;
    }

    private static Task ApiStatusOrRedirect(RedirectContext<CookieAuthenticationOptions> context, int status)
    {
        if (context.Request.Path.StartsWithSegments("/api"))
        {
            context.Response.StatusCode = status;
        }
        else
        {
            context.Response.Redirect(context.RedirectUri);
        }
        return Task.CompletedTask;
    }

    /// <summary>A session ends as soon as its user is frozen or gone or its password changes, and follows a change of role.</summary>
    private static async Task RefreshFromDatabase(CookieValidatePrincipalContext context)
    {
        var id = Guid.TryParse(context.Principal?.FindFirst(System.Security.Claims.ClaimTypes.NameIdentifier)?.Value, out var parsed) ? parsed : Guid.Empty;
        var db = context.HttpContext.RequestServices.GetRequiredService<ShoalDb>();
        var user = await db.Users.AsNoTracking().SingleOrDefaultAsync(u => u.Id == id, context.HttpContext.RequestAborted);
        var stamp = context.Principal?.FindFirst(UserPrincipal.StampClaim)?.Value ?? "";
        if (user is null || user.FrozenAt is not null || stamp != user.SecurityStamp)
        {
            context.RejectPrincipal();
            await context.HttpContext.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
            return;
        }
        context.ReplacePrincipal(UserPrincipal.For(user, CookieAuthenticationDefaults.AuthenticationScheme));
    }
}
