using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Shoal.Server.Tests.Northbound;

namespace Shoal.Server.Tests.Infrastructure;

/// <summary>
/// Two Shoal processes on one PostgreSQL database and one data folder, as two nodes of one installation, with
/// Debian's haproxy in front of their northbound listeners (TCP, round robin). A test may start more nodes.
/// </summary>
public sealed class Cluster : IAsyncLifetime
{
    /// <summary>Short, so that a killed node is taken over within seconds; nothing waits on it without a generous deadline.</summary>
    public static readonly TimeSpan NodeLease = TimeSpan.FromSeconds(3);

    public const int CallsPerWindow = 30;

    private readonly string _dataDirectory = Path.Combine(Path.GetTempPath(), $"shoal-cluster-{Guid.NewGuid():N}");
    private readonly string _balancerConfig = Path.Combine(Path.GetTempPath(), $"shoal-haproxy-{Guid.NewGuid():N}.cfg");
    private readonly List<ServerProcess> _nodes = [];
    private readonly SemaphoreSlim _accounts = new(1);
    private Process? _balancer;
    private int _users;

    public PostgresDatabase Database { get; } = new();
    public ServerProcess First => _nodes[0];
    public ServerProcess Second => _nodes[1];

    /// <summary>The first account on the database: the operator.</summary>
    public HttpClient Operator { get; private set; } = null!;

    /// <summary>The northbound address of haproxy, which hands each new connection to the next node.</summary>
    public Uri Balancer { get; } = new($"https://127.0.0.1:{FreePorts.Next()}");

    public async ValueTask InitializeAsync()
    {
        await Database.CreateAsync();
        // The first node makes the keys in the shared data folder; the second reads them.
        await StartNodeAsync("node-1");
        await StartNodeAsync("node-2");
        Operator = await SignUpAsync(First);
        await File.WriteAllTextAsync(_balancerConfig, $"""
            defaults
              mode tcp
              timeout connect 5s
              timeout client 60s
              timeout server 60s
            frontend northbound
              bind 127.0.0.1:{Balancer.Port}
              default_backend nodes
            backend nodes
              balance roundrobin
              server node-1 127.0.0.1:{First.Northbound.Port}
              server node-2 127.0.0.1:{Second.Northbound.Port}

            """);
        _balancer = Process.Start(new ProcessStartInfo("haproxy", ["-db", "-f", _balancerConfig]) { RedirectStandardError = true })!;
        using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        while (!await AcceptsAsync(Balancer.Port))
        {
            if (_balancer.HasExited)
            {
                Assert.Fail($"haproxy exited with {_balancer.ExitCode}: {await _balancer.StandardError.ReadToEndAsync()}");
            }
            await Task.Delay(50, deadline.Token);
        }
    }

    /// <summary>Starts one more node named <paramref name="name"/> on the database and data folder.</summary>
    public async Task<ServerProcess> StartNodeAsync(string name)
    {
        var node = await ServerProcess.StartAsync(Database, _dataDirectory, new Dictionary<string, string>
        {
            ["Gateway:NodeName"] = name,
            ["Gateway:NodeLease"] = NodeLease.ToString("c", CultureInfo.InvariantCulture),
            ["Northbound:CallsPerWindow"] = CallsPerWindow.ToString(CultureInfo.InvariantCulture),
            // Windows are aligned to the epoch: one this long does not roll over during a test but once in a month.
            ["Northbound:ThrottleWindow"] = "30.00:00:00",
            ["Northbound:ThrottleShareInterval"] = "00:00:00.200",
            ["Delivery:AllowedNetworks:0"] = "127.0.0.0/8",
        });
        _nodes.Add(node);
        return node;
    }

    /// <summary>A new account with an application, created on <paramref name="node"/>, and its NA logged in through <paramref name="northbound"/>.</summary>
    public async Task<(HttpClient Owner, NaClient Na)> NewApplicationAsync(ServerProcess node, Uri northbound, params (string Field, object? Value)[] fields)
    {
        var owner = await SignUpAsync(node);
        var application = await owner.CreateApplicationAsync($"cluster-{Guid.NewGuid():N}"[..30], fields);
        var na = new NaClient(NorthboundClient(northbound), application.GetProperty("applicationId").GetString()!);
        await na.LoginAsync(application.GetProperty("secret").GetString()!);
        return (owner, na);
    }

    /// <summary>
    /// A client of <paramref name="address"/> that opens a connection for every request, so that each request through
    /// the balancer may reach another node. The certificate is the one the first node generated into the data folder.
    /// </summary>
    public static HttpClient NorthboundClient(Uri address) => new(new SocketsHttpHandler
    {
        PooledConnectionLifetime = TimeSpan.Zero,
        SslOptions = { RemoteCertificateValidationCallback = (_, certificate, _, _) => certificate is not null },
    }) { BaseAddress = address };

    /// <summary>Signs up a new account on <paramref name="node"/>; the first one on the database is the operator.</summary>
    public async Task<HttpClient> SignUpAsync(ServerProcess node)
    {
        ArgumentNullException.ThrowIfNull(node);
        await _accounts.WaitAsync();
        try
        {
            var email = $"user-{++_users}@example.com";
            const string password = "correct horse battery staple";
            var portal = new HttpClient { BaseAddress = node.Portal };
            (await portal.PostAsJsonAsync("/api/v1/account", new { email, password, acceptTerms = true })).EnsureSuccessStatusCode();
            var token = await (await portal.PostAsJsonAsync("/api/v1/tokens", new { email, password, name = "cluster" })).Content.ReadFromJsonAsync<JsonElement>();
            portal.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token.GetProperty("token").GetString());
            return portal;
        }
        finally
        {
            _accounts.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_balancer is { HasExited: false })
        {
            _balancer.Kill();
            await _balancer.WaitForExitAsync();
        }
        _balancer?.Dispose();
        foreach (var node in _nodes)
        {
            await node.DisposeAsync();
        }
        await Database.DisposeAsync();
        File.Delete(_balancerConfig);
        if (Directory.Exists(_dataDirectory))
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
        _accounts.Dispose();
    }

    private static async Task<bool> AcceptsAsync(int port)
    {
        using var socket = new System.Net.Sockets.TcpClient();
        try
        {
            await socket.ConnectAsync("127.0.0.1", port);
            return true;
        }
        catch (System.Net.Sockets.SocketException)
        {
            return false;
        }
    }
}
