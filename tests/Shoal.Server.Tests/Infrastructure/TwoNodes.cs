using Microsoft.AspNetCore.Hosting;

namespace Shoal.Server.Tests.Infrastructure;

/// <summary>Two Shoal nodes, each a server of its own with its own caches, on one PostgreSQL database.</summary>
public sealed class TwoNodes : IAsyncLifetime
{
    public ShoalApplication<PostgresDatabase> First { get; } = new Node("first");
    public ShoalApplication<PostgresDatabase> Second { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        await First.InitializeAsync();
        Second = new Node("second", First);
        await Second.InitializeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await Second.DisposeAsync();
        await First.DisposeAsync();
    }

    /// <summary>
    /// A named node; one that joins the first finds its operator signed up there.
    /// Calls are not rate-limited, so that a test may ask one node again and again until it sees the other's change.
    /// </summary>
    private sealed class Node : ShoalApplication<PostgresDatabase>
    {
        private readonly string _name;
        private readonly bool _joins;

        public Node(string name) => _name = name;

        public Node(string name, ShoalApplication<PostgresDatabase> first)
            : base(first) => (_name, _joins) = (name, true);

        public override ValueTask InitializeAsync() => _joins ? ValueTask.CompletedTask : base.InitializeAsync();

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.UseSetting("Gateway:NodeName", _name);
            builder.UseSetting("Northbound:CallsPerWindow", "10000000");
        }
    }
}
