namespace Shoal.Server.Applications;

/// <summary>The fixed list of industries an application belongs to: key as stored and sent, and its label.</summary>
internal static class Industries
{
    public static readonly IReadOnlyList<(string Key, string Label)> All =
    [
        ("smart-city", "Smart city"),
        ("smart-home", "Smart home"),
        ("industrial-manufacturing", "Industrial manufacturing"),
        ("energy-utilities", "Energy and utilities"),
        ("agriculture", "Agriculture"),
        ("healthcare", "Healthcare"),
        ("transport-logistics", "Transport and logistics"),
        ("retail", "Retail"),
        ("other", "Other"),
    ];

    public static bool IsKnown(string? key) => All.Any(i => i.Key == key);

    public static string Label(string key) => All.FirstOrDefault(i => i.Key == key).Label ?? key;
}
