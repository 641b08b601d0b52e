using System.Text.Json;
using Shoal.Server.Tests.Gateway;
using Shoal.Server.Tests.Infrastructure;

namespace Shoal.Server.Tests.Subscriptions;

/// <summary>
/// Kill -9 while pushes are in flight, restart, and every acknowledged report is still pushed. Shoal runs as a
/// process of its own, pushing to a receiver in the test process, and is killed with SIGKILL while a real MQTT client
/// publishes QoS 1 reports as fast as they are acknowledged.
/// </summary>
[Trait("Category", "Crash")]
public abstract class PushCrashTests<TDatabase> : IAsyncLifetime
    where TDatabase : ITestDatabase, new()
{
    private const int AcknowledgedBeforeKill = 500;
    private const int PushedBeforeKill = 100;

    /// <summary>
    /// How long the restarted process may go without pushing one more missing report. Longer than the claim lapse of
    /// the killed process's pushes (see <see cref="Settings"/>); a loaded machine only slows the drain, which may take
    /// as long as it needs while it moves.
    /// </summary>
    private static readonly TimeSpan Stall = TimeSpan.FromMinutes(4);

    private static readonly Dictionary<string, string> Settings = new()
    {
        ["Delivery:AllowedNetworks:0"] = "127.0.0.0/8",
        // Pushes claimed by the killed process are sent again once their claim lapses: 17 times this plus 30 s.
        ["Delivery:Timeout"] = "00:00:05",
    };

    private readonly TDatabase _database = new();
    private readonly string _dataDirectory = Path.Combine(Path.GetTempPath(), $"shoal-push-crash-{Guid.NewGuid():N}");

    public async ValueTask InitializeAsync() => await _database.CreateAsync();

    [Fact]
    public async Task KillWhilePushing_EveryAcknowledgedReportIsPushedAfterRestart()
    {
        await using var receiver = await PushReceiver.StartAsync();
        IReadOnlyCollection<int> acknowledged;
        await using (var server = await ServerProcess.StartAsync(_database, _dataDirectory, Settings))
        {
            var device = await server.RegisterDeviceAsync(async na =>
                (await na.SubscribeAsync("deviceDataChanged", receiver.Url())).EnsureSuccessStatusCode());
            using var client = await server.ConnectAsync(device);
            acknowledged = await server.PublishUntilKilledAsync(
                client, device, count => count >= AcknowledgedBeforeKill && receiver.Received.Count >= PushedBeforeKill);
        }

        await using var restarted = await ServerProcess.StartAsync(_database, _dataDirectory, Settings);

        await EveryOneReceivedAsync(receiver, acknowledged, restarted);
        // At least once: a push sent again after the restart is the same push, as its webhook-id tells the receiver.
        Assert.All(receiver.Received.GroupBy(Sequence), pushes => Assert.Single(pushes.Select(p => p.WebhookId).Distinct()));
    }

    public async ValueTask DisposeAsync()
    {
        await _database.DisposeAsync();
        if (Directory.Exists(_dataDirectory))
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
        GC.SuppressFinalize(this);
    }

    private static async Task EveryOneReceivedAsync(PushReceiver receiver, IReadOnlyCollection<int> sequences, ServerProcess server)
    {
        var stalledSince = TimeProvider.System.GetTimestamp();
        var missing = sequences.Count;
        while (missing > 0)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(500));
            var nowMissing = sequences.Except(receiver.Received.Select(Sequence)).Count();
            if (nowMissing < missing)
            {
                (missing, stalledSince) = (nowMissing, TimeProvider.System.GetTimestamp());
            }
            else if (TimeProvider.System.GetElapsedTime(stalledSince) > Stall)
            {
                Assert.Fail($"{missing} of {sequences.Count} acknowledged reports were never pushed:\n{server.Output}");
            }
        }
    }

    private static int Sequence(ReceivedPush push) =>
        JsonDocument.Parse(push.Body).RootElement.GetProperty("service").GetProperty("data").GetProperty("sequence").GetInt32();
}

public sealed class PushCrashTestsOnSqlite : PushCrashTests<SqliteDatabase>;

public sealed class PushCrashTestsOnPostgres : PushCrashTests<PostgresDatabase>;
