using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using Shoal.Storage.Entities;

namespace Shoal.Storage.Ingest;

/// <summary>The quoted table and column names of what ingest writes, read from the EF model so they never drift from it.</summary>
internal sealed class IngestTables(IModel model)
{
    public Table Points { get; } = Table.Of<DeviceDataPoint>(model,
        nameof(DeviceDataPoint.ApplicationId), nameof(DeviceDataPoint.DeviceId), nameof(DeviceDataPoint.ServiceId), nameof(DeviceDataPoint.Data),
        nameof(DeviceDataPoint.PropertyNames), nameof(DeviceDataPoint.EventTime), nameof(DeviceDataPoint.ReceivedAt));

    /// <summary>The key columns come first.</summary>
    public Table States { get; } = Table.Of<DeviceServiceState>(model,
        nameof(DeviceServiceState.DeviceId), nameof(DeviceServiceState.ServiceId), nameof(DeviceServiceState.Data), nameof(DeviceServiceState.EventTime));

    /// <summary>The ID comes first.</summary>
    public Table Events { get; } = Table.Of<DeviceEvent>(model,
        nameof(DeviceEvent.Id), nameof(DeviceEvent.ApplicationId), nameof(DeviceEvent.DeviceId), nameof(DeviceEvent.Type), nameof(DeviceEvent.Payload),
        nameof(DeviceEvent.CreatedAt));

    /// <summary>The latest-value upsert's tail: a value older than the stored one leaves it as it is.</summary>
    public string StatesOnConflict =>
        $"""ON CONFLICT ({States.Columns[0]}, {States.Columns[1]}) DO UPDATE SET {States.Columns[2]} = excluded.{States.Columns[2]}, {States.Columns[3]} = excluded.{States.Columns[3]} WHERE excluded.{States.Columns[3]} >= {States.Name}.{States.Columns[3]}""";

    internal sealed record Table(string Name, string UnquotedName, string[] Columns)
    {
        public string ColumnList(int skip = 0) => string.Join(", ", Columns.Skip(skip));

        public static Table Of<T>(IModel model, params string[] properties)
        {
            var entity = model.FindEntityType(typeof(T)) ?? throw new InvalidOperationException($"{typeof(T).Name} is not in the model.");
            var table = entity.GetTableName()!;
            var store = StoreObjectIdentifier.Table(table, entity.GetSchema());
            return new Table(Quote(table), table, [.. properties.Select(p => Quote(entity.FindProperty(p)!.GetColumnName(store)!))]);
        }

        private static string Quote(string name) => $"\"{name}\"";
    }
}
