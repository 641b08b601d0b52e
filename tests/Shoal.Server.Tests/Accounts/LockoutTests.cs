using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Shoal.Server.Tests.Infrastructure;
using Shoal.Server.Tests.Northbound;

namespace Shoal.Server.Tests.Accounts;

/// <summary>Shoal that takes each request's client address from the test's <c>X-Test-Client</c> header, as if it came from there.</summary>
public sealed class AddressedApplication<TDatabase> : ShoalApplication<TDatabase>
    where TDatabase : ITestDatabase, new()
{
    public const string Header = "X-Test-Client";

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureServices(services => services.AddSingleton<IStartupFilter, ClientAddressFromHeader>());
    }

    /// <summary>A client whose requests come from <paramref name="address"/>.</summary>
    public HttpClient ClientFrom(string address)
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Add(Header, address);
        return client;
    }

    private sealed class ClientAddressFromHeader : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use((http, nextMiddleware) =>
            {
                if (IPAddress.TryParse(http.Request.Headers[Header], out var address))
                {
                    http.Connection.RemoteIpAddress = address;
                }
                return nextMiddleware(http);
            });
            next(app);
        };
    }
}

/// <summary>
/// Failed logins lock out the address that fails, not the identity: whoever knows an application ID or an e-mail
/// address cannot keep its owner out, and many addresses failing together slow down rather than lock.
/// </summary>
public abstract class LockoutTests<TDatabase>(AddressedApplication<TDatabase> shoal) : IClassFixture<AddressedApplication<TDatabase>>
    where TDatabase : ITestDatabase, new()
{
    [Fact]
    public async Task NaLogin_AttackerFailsFromOneAddress_IsThrottledWhileTheOwnerLogsInFromAnother()
    {
        var app = await shoal.NewApplicationAsync();
        var attacker = shoal.ClientFrom("203.0.113.1");
        for (var i = 0; i < 10; i++)
        {
            await NaClient.PostLoginAsync(attacker, app.Id, "wrong-secret");
        }

        var attackerAgain = await NaClient.PostLoginAsync(attacker, app.Id, "wrong-secret");
        var owner = await NaClient.PostLoginAsync(shoal.ClientFrom("198.51.100.7"), app.Id, app.Secret);

        Assert.Equal(HttpStatusCode.TooManyRequests, attackerAgain.StatusCode);
        Assert.Equal(HttpStatusCode.OK, owner.StatusCode);
    }

    [Fact]
    public async Task NaLogin_ManyAddressesFailing_EachFailingAddressGetsOneTryAndTheOwnerStillLogsIn()
    {
        var app = await shoal.NewApplicationAsync();
        for (var i = 0; i < 100; i++)
        {
            await NaClient.PostLoginAsync(shoal.ClientFrom($"203.0.114.{i + 1}"), app.Id, "wrong-secret");
        }
        var late = shoal.ClientFrom("203.0.115.1");
        await (await NaClient.PostLoginAsync(late, app.Id, "wrong-secret")).NaErrorAsync(HttpStatusCode.Unauthorized, "100208");

        var lateAgain = await NaClient.PostLoginAsync(late, app.Id, "wrong-secret");
        var owner = await NaClient.PostLoginAsync(shoal.ClientFrom("198.51.100.8"), app.Id, app.Secret);

        Assert.Equal(HttpStatusCode.TooManyRequests, lateAgain.StatusCode);
        Assert.Equal(HttpStatusCode.OK, owner.StatusCode);
    }

    [Fact]
    public async Task SignIn_AttackerFailsFromOneAddress_IsThrottledWhileTheOwnerSignsInFromAnother()
    {
        var user = await shoal.SignUpAsync();
        var attacker = shoal.ClientFrom("203.0.116.1");
        for (var i = 0; i < 5; i++)
        {
            await attacker.PostAsJsonAsync("/api/v1/tokens", new { email = user.Email, password = "not the password", name = "x" });
        }

        var attackerAgain = await attacker.PostAsJsonAsync("/api/v1/tokens", new { email = user.Email, password = "not the password", name = "x" });
        var owner = await shoal.ClientFrom("198.51.100.9").PostAsJsonAsync("/api/v1/tokens", new { email = user.Email, password = user.Password, name = "x" });

        Assert.Equal(HttpStatusCode.TooManyRequests, attackerAgain.StatusCode);
        Assert.True(owner.IsSuccessStatusCode, $"The owner got {owner.StatusCode}.");
    }
}

public sealed class LockoutTestsOnSqlite(AddressedApplication<SqliteDatabase> shoal) : LockoutTests<SqliteDatabase>(shoal);

public sealed class LockoutTestsOnPostgres(AddressedApplication<PostgresDatabase> shoal) : LockoutTests<PostgresDatabase>(shoal);
