// The bolt-on peer: what a user would build instead of Shoal. Mosquitto takes the devices' reports and acknowledges
// them before anything is stored; this subscriber takes every report from Mosquitto and writes it into SQLite (WAL) in
// batches: one history row per service and the latest value per (device, service), as Shoal stores them.
// Usage: Shoal.Bench.BoltOn --port P --database FILE [--batch N] [--flush-ms MS]
using System.Buffers;
using System.Globalization;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.Data.Sqlite;
using MQTTnet;

var port = 1883;
var database = "boltOn.db";
var batchSize = 500;
var flushAfter = TimeSpan.FromMilliseconds(10);
for (var i = 0; i + 1 < args.Length; i += 2)
{
    switch (args[i])
    {
        case "--port": port = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
        case "--database": database = args[i + 1]; break;
        case "--batch": batchSize = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
        case "--flush-ms": flushAfter = TimeSpan.FromMilliseconds(int.Parse(args[i + 1], CultureInfo.InvariantCulture)); break;
        default: throw new ArgumentException($"unknown option {args[i]}");
    }
}

await using var connection = new SqliteConnection($"Data Source={database}");
await connection.OpenAsync();
await Execute(connection, """
    PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;
    CREATE TABLE IF NOT EXISTS History (Id INTEGER PRIMARY KEY, DeviceId TEXT NOT NULL, ServiceId TEXT NOT NULL,
        Data TEXT NOT NULL, EventTime INTEGER NOT NULL, ReceivedAt INTEGER NOT NULL);
    CREATE INDEX IF NOT EXISTS History_Device ON History (DeviceId, ServiceId, EventTime);
    CREATE TABLE IF NOT EXISTS Latest (DeviceId TEXT NOT NULL, ServiceId TEXT NOT NULL, Data TEXT NOT NULL,
        EventTime INTEGER NOT NULL, PRIMARY KEY (DeviceId, ServiceId));
    """);

var reports = Channel.CreateBounded<(string DeviceId, byte[] Payload, long ReceivedAt)>(
    new BoundedChannelOptions(10_000) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });

using var client = new MqttClientFactory().CreateMqttClient();
client.ApplicationMessageReceivedAsync += async e =>
{
    // $oc/devices/{id}/sys/properties/report
    var topic = e.ApplicationMessage.Topic;
    var deviceId = topic.Split('/')[2];
    await reports.Writer.WriteAsync((deviceId, e.ApplicationMessage.Payload.ToArray(), DateTime.UtcNow.Ticks));
};
await client.ConnectAsync(new MqttClientOptionsBuilder()
    .WithTcpServer("127.0.0.1", port)
    .WithClientId("bolt-on-subscriber")
    .WithCleanSession()
    .Build());
await client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder()
    .WithTopicFilter("$oc/devices/+/sys/properties/report", MQTTnet.Protocol.MqttQualityOfServiceLevel.AtLeastOnce)
    .Build());
Console.WriteLine("SUBSCRIBED");

using var insert = connection.CreateCommand();
insert.CommandText = "INSERT INTO History (DeviceId, ServiceId, Data, EventTime, ReceivedAt) VALUES ($d, $s, $data, $t, $r)";
var (iDevice, iService, iData, iTime, iReceived) = (insert.Parameters.Add("$d", SqliteType.Text), insert.Parameters.Add("$s", SqliteType.Text),
    insert.Parameters.Add("$data", SqliteType.Text), insert.Parameters.Add("$t", SqliteType.Integer), insert.Parameters.Add("$r", SqliteType.Integer));
using var upsert = connection.CreateCommand();
upsert.CommandText = """
    INSERT INTO Latest (DeviceId, ServiceId, Data, EventTime) VALUES ($d, $s, $data, $t)
    ON CONFLICT (DeviceId, ServiceId) DO UPDATE SET Data = excluded.Data, EventTime = excluded.EventTime
    WHERE excluded.EventTime >= Latest.EventTime
    """;
var (uDevice, uService, uData, uTime) = (upsert.Parameters.Add("$d", SqliteType.Text), upsert.Parameters.Add("$s", SqliteType.Text),
    upsert.Parameters.Add("$data", SqliteType.Text), upsert.Parameters.Add("$t", SqliteType.Integer));

var stored = 0L;
while (await reports.Reader.WaitToReadAsync())
{
    var flushAt = DateTime.UtcNow + flushAfter;
    await using var transaction = connection.BeginTransaction();
    insert.Transaction = transaction;
    upsert.Transaction = transaction;
    var count = 0;
    while (count < batchSize && (reports.Reader.TryRead(out var report) || (DateTime.UtcNow < flushAt && await WaitBriefly())))
    {
        if (report.Payload is null)
        {
            continue;
        }
        using var json = JsonDocument.Parse(report.Payload);
        foreach (var service in json.RootElement.GetProperty("services").EnumerateArray())
        {
            var data = service.GetProperty("properties").GetRawText();
            (iDevice.Value, iService.Value, iData.Value, iTime.Value, iReceived.Value) =
                (report.DeviceId, service.GetProperty("service_id").GetString(), data, report.ReceivedAt, report.ReceivedAt);
            insert.ExecuteNonQuery();
            (uDevice.Value, uService.Value, uData.Value, uTime.Value) = (report.DeviceId, iService.Value, data, report.ReceivedAt);
            upsert.ExecuteNonQuery();
        }
        count++;
    }
    transaction.Commit();
    stored += count;
}
Console.WriteLine($"stored {stored}");

async Task<bool> WaitBriefly()
{
    var wait = reports.Reader.WaitToReadAsync().AsTask();
    return await Task.WhenAny(wait, Task.Delay(1)) == wait && await wait;
}

static async Task Execute(SqliteConnection connection, string sql)
{
    using var command = connection.CreateCommand();
    command.CommandText = sql;
    await command.ExecuteNonQueryAsync();
}
