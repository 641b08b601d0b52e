namespace Shoal.Coap.Payloads;

/// <summary>What the bytes a device wrote to <c>/19/0/0</c> turned out to be.</summary>
internal abstract record UplinkPayload
{
    private UplinkPayload()
    {
    }

    /// <summary>Property values, one entry per service the payload reported.</summary>
    public sealed record Properties(IReadOnlyList<ServiceProperties> Services) : UplinkPayload;

    /// <summary>A device's answer to a command.</summary>
    /// <param name="Mid">The command's message ID, as it was sent.</param>
    /// <param name="ResultCode">The device's result: 0 for success.</param>
    /// <param name="BodyJson">A JSON object, <c>{}</c> when the answer carries no body.</param>
    public sealed record CommandResponse(int Mid, int ResultCode, string BodyJson) : UplinkPayload;

    /// <summary>Bytes neither the application's codec nor the reference JSON forms explain; they are kept as they came.</summary>
    public sealed record Plain : UplinkPayload
    {
        public static readonly Plain Instance = new();
    }
}

/// <summary>One service's reported values.</summary>
/// <param name="ServiceId">The service the values belong to.</param>
/// <param name="DataJson">A JSON object, <c>{"name":value,...}</c>.</param>
/// <param name="EventTime">When the device says it measured them; null when it did not say, and the receive time applies.</param>
internal sealed record ServiceProperties(string ServiceId, string DataJson, DateTimeOffset? EventTime);
