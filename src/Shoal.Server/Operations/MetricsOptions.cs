namespace Shoal.Server.Operations;

/// <summary>Where the portal's address answers Prometheus scrapes.</summary>
public sealed class MetricsOptions
{
    public const string Section = "Metrics";

    /// <summary>The scrape path on the portal's address; empty turns the scrape off. Default: <c>/metrics</c>.</summary>
    public string Path { get; set; } = "/metrics";

    public void Validate()
    {
        if (Path.Length > 0 && !Path.StartsWith('/'))
        {
            throw new InvalidOperationException($"{Section}:{nameof(Path)} must start with '/', or be empty to turn the scrape off.");
        }
    }
}
