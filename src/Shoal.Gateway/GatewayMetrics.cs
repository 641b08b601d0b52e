using System.Diagnostics.Metrics;
using Shoal.Storage;

namespace Shoal.Gateway;

/// <summary>The gateway's instruments on the <c>Shoal</c> meter: what the ingest writes and how fast, and who is connected.</summary>
internal sealed class GatewayMetrics
{
    private static readonly KeyValuePair<string, object?> Mqtt = new("protocol", "mqtt");
    private static readonly KeyValuePair<string, object?> Mqtts = new("protocol", "mqtts");
    private static readonly KeyValuePair<string, object?> Coap = new("protocol", "coap");
    private static readonly KeyValuePair<string, object?> Coaps = new("protocol", "coaps");

    private readonly Counter<long> _ingested;
    private readonly Histogram<int> _batchSize;
    private readonly Histogram<double> _commitDuration;

    public GatewayMetrics(IMeterFactory meters, IngestQueue queue, DeviceSessions sessions)
    {
        var meter = meters.Create(ShoalMeter.Name);
        _ingested = meter.CreateCounter<long>("shoal.ingest.messages", "{message}", "Device messages committed by the ingest writer.");
        _batchSize = meter.CreateHistogram("shoal.ingest.batch.size", "{message}", "Device messages per ingest commit.",
            advice: new InstrumentAdvice<int> { HistogramBucketBoundaries = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000] });
        _commitDuration = meter.CreateHistogram("shoal.ingest.commit.duration", "s", "Time one ingest commit takes.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5] });
        meter.CreateObservableGauge("shoal.ingest.queue.depth", () => queue.Reader.Count, "{message}",
            "Device messages waiting for the ingest writer.");
        meter.CreateObservableGauge("shoal.devices.connected", () => ConnectedDevices(sessions), "{device}",
            "Devices with a live MQTT connection or LwM2M registration on this node.");
    }

    /// <summary>A committed batch: its size, and how long the commit took.</summary>
    public void Committed(int messages, TimeSpan duration)
    {
        _ingested.Add(messages);
        _batchSize.Record(messages);
        _commitDuration.Record(duration.TotalSeconds);
    }

    private static Measurement<int>[] ConnectedDevices(DeviceSessions sessions)
    {
        var (mqtt, mqtts, coap, coaps) = sessions.CountByTransport();
        return [new(mqtt, Mqtt), new(mqtts, Mqtts), new(coap, Coap), new(coaps, Coaps)];
    }
}
