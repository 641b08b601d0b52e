using System.Text;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Shoal.Storage;

/// <summary>
/// Carries <see cref="Changes"/> between the nodes that share one PostgreSQL database, over <c>LISTEN</c>/<c>NOTIFY</c>:
/// what this node publishes is sent as soon as it is queued (many changes per notification), and what the others
/// send is applied here. While the listening connection is down nothing is known of the others' changes, so each
/// reconnection voids everything cached.
/// </summary>
internal sealed partial class PostgresChangeRelay(Changes changes, string connectionString, ILogger<PostgresChangeRelay> logger)
    : BackgroundService
{
    private const string Channel = "shoal_changes";

    /// <summary>PostgreSQL takes payloads below 8,000 bytes.</summary>
    private const int MaxPayloadBytes = 7_800;

    private static readonly TimeSpan Retry = TimeSpan.FromSeconds(1);

    private readonly string _sender = Guid.NewGuid().ToString("N");

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(ListenAsync(stoppingToken), SendAsync(stoppingToken));

    private async Task ListenAsync(CancellationToken stoppingToken)
    {
        var reconnecting = false;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = new NpgsqlConnection(connectionString);
                await connection.OpenAsync(stoppingToken);
                connection.Notification += (_, notification) => Receive(notification.Payload);
                await using (var listen = new NpgsqlCommand($"LISTEN {Channel}", connection))
                {
                    await listen.ExecuteNonQueryAsync(stoppingToken);
                }
                if (reconnecting)
                {
                    changes.Apply(Change.Anything);
                    LogListening();
                }
                while (true)
                {
                    await connection.WaitAsync(stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception error)
            {
                LogListenFailed(error);
                changes.Apply(Change.Anything);
                reconnecting = true;
                await DelayAsync(stoppingToken);
            }
        }
    }

    private async Task SendAsync(CancellationToken stoppingToken)
    {
        var queued = changes.Relayed;
        var payload = new StringBuilder();
        var sent = new HashSet<Change>();
        try
        {
            while (await queued.WaitToReadAsync(stoppingToken))
            {
                payload.Clear().Append(_sender);
                sent.Clear();
                while (payload.Length < MaxPayloadBytes && queued.TryRead(out var change))
                {
                    if (sent.Add(change))
                    {
                        payload.Append('\n').Append((char)change.Kind).Append(change.Key);
                    }
                }
                await NotifyAsync(payload.ToString(), stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task NotifyAsync(string payload, CancellationToken stoppingToken)
    {
        while (true)
        {
            try
            {
                await using var connection = new NpgsqlConnection(connectionString);
                await connection.OpenAsync(stoppingToken);
                await using var notify = new NpgsqlCommand("SELECT pg_notify(@channel, @payload)", connection);
                notify.Parameters.AddWithValue("channel", Channel);
                notify.Parameters.AddWithValue("payload", payload);
                await notify.ExecuteNonQueryAsync(stoppingToken);
                return;
            }
            catch (Exception error) when (error is not OperationCanceledException)
            {
                LogNotifyFailed(error);
                await DelayAsync(stoppingToken);
            }
        }
    }

    private void Receive(string payload)
    {
        var lines = payload.Split('\n');
        if (lines[0] == _sender)
        {
            return;
        }
        foreach (var line in lines.AsSpan(1))
        {
            if (line.Length > 1)
            {
                changes.Apply(new Change((ChangeKind)line[0], line[1..]));
            }
        }
    }

    private static async Task DelayAsync(CancellationToken stoppingToken)
    {
        try
        {
            await Task.Delay(Retry, stoppingToken);
        }
        catch (OperationCanceledException)
        {
        }
    }

    [LoggerMessage(LogLevel.Information, "Listening again for the changes of other nodes; every cache was voided.")]
    private partial void LogListening();

    [LoggerMessage(LogLevel.Warning, "Listening for the changes of other nodes failed; retrying.")]
    private partial void LogListenFailed(Exception exception);

    [LoggerMessage(LogLevel.Warning, "Sending this node's changes to the other nodes failed; retrying.")]
    private partial void LogNotifyFailed(Exception exception);
}
