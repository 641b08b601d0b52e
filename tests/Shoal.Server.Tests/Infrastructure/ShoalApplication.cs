using System.Net.Http.Headers;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace Shoal.Server.Tests.Infrastructure;

/// <summary>
/// A whole Shoal server on a fresh database of <typeparamref name="TDatabase"/>, with a fake clock and captured logs.
/// The first account it creates is the operator, as on a fresh install.
/// </summary>
public class ShoalApplication<TDatabase> : WebApplicationFactory<Program>, IAsyncLifetime
    where TDatabase : ITestDatabase, new()
{
    private readonly string _dataDirectory;
    private readonly bool _joined;
    private int _accounts;

    public ShoalApplication()
    {
        Database = new();
        _dataDirectory = Path.Combine(Path.GetTempPath(), $"shoal-data-{Guid.NewGuid():N}");
    }

    /// <summary>Another node of <paramref name="first"/>'s Shoal: it shares its database and its keys, and leaves both to it.</summary>
    protected ShoalApplication(ShoalApplication<TDatabase> first)
    {
        ArgumentNullException.ThrowIfNull(first);
        (Database, _dataDirectory, _joined) = (first.Database, first._dataDirectory, true);
    }

    public TDatabase Database { get; }
    public FakeTimeProvider Time { get; } = new(DateTimeOffset.UtcNow);
    public CapturedLogs Logs { get; } = new();
    public TestUser OperatorAccount { get; private set; } = null!;
    public HttpClient Operator => OperatorAccount.Client;

    public virtual async ValueTask InitializeAsync()
    {
        if (!_joined)
        {
            await Database.CreateAsync();
        }
        Start();
        OperatorAccount = await SignUpAsync("operator");
    }

    /// <summary>Starts the server before the first request; by default the in-memory test server starts on demand.</summary>
    protected virtual void Start()
    {
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        builder.UseSetting("Storage:Provider", Database.Provider.ToString());
        builder.UseSetting("Storage:ConnectionString", Database.ConnectionString);
        builder.UseSetting("Shoal:DataDirectory", _dataDirectory);
        // Tests sign up hundreds of accounts; production keeps the default of 210,000.
        builder.UseSetting("Accounts:PasswordHashIterations", "10000");
        // Fixtures run side by side: only a gateway fixture opens MQTT ports, and on a free one.
        builder.UseSetting("Gateway:Port", "0");
        builder.UseSetting("Gateway:TlsPort", "0");
        builder.UseSetting("Gateway:HttpsPort", "0");
        builder.UseSetting("Coap:Port", "0");
        builder.UseSetting("Coap:DtlsPort", "0");
        // Listeners here are off or on ports chosen at start, so there is no address to derive: applications show
        // those of a default install.
        builder.UseSetting("Shoal:ApplicationAccessAddress", "https://localhost:8743");
        builder.UseSetting("Shoal:DeviceAccessAddress", "mqtt://localhost:1883");
        builder.UseSetting("Shoal:DeviceHttpsAccessAddress", "https://localhost:8943");
        builder.ConfigureLogging(logging => logging.AddProvider(Logs).SetMinimumLevel(LogLevel.Trace));
        builder.ConfigureServices(services => services.Replace(ServiceDescriptor.Singleton<TimeProvider>(Time)));
    }

    /// <summary>Signs up a new user and returns an API client that carries one of its tokens.</summary>
    public async Task<TestUser> SignUpAsync(string? name = null)
    {
        var email = $"{name ?? "user"}-{Interlocked.Increment(ref _accounts)}@example.com";
        const string password = "correct horse battery staple";
        var anonymous = CreateClient();
        (await anonymous.PostAsJsonAsync("/api/v1/account", new { email, password, acceptTerms = true })).EnsureSuccessStatusCode();
        var response = await anonymous.PostAsJsonAsync("/api/v1/tokens", new { email, password, name = "tests" });
        response.EnsureSuccessStatusCode();
        var token = (await response.Content.ReadFromJsonAsync<IssuedToken>())!.Token;
        var client = CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var account = (await client.GetFromJsonAsync<Account>("/api/v1/account"))!;
        return new TestUser(account.Id, email, password, token, client);
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        if (!_joined)
        {
            await Database.DisposeAsync();
            if (Directory.Exists(_dataDirectory))
            {
                Directory.Delete(_dataDirectory, recursive: true);
            }
        }
        GC.SuppressFinalize(this);
    }

    private sealed record IssuedToken(string Token);

    private sealed record Account(Guid Id);
}

public sealed record TestUser(Guid Id, string Email, string Password, string Token, HttpClient Client);
