namespace Shoal.Server.Hosting;

internal static class ContentRoot
{
    /// <summary>
    /// The application's own folder, so that <c>appsettings.json</c> and the portal's files are found whatever the
    /// working directory (a service manager or a container starts Shoal from elsewhere); null when a content root is
    /// given on the command line or in the environment, which then wins.
    /// </summary>
    public static string? Default(string[] args) =>
        args.Any(a => a.TrimStart('-').StartsWith("contentRoot", StringComparison.OrdinalIgnoreCase))
        || Environment.GetEnvironmentVariable("ASPNETCORE_CONTENTROOT") is not null
        || Environment.GetEnvironmentVariable("DOTNET_CONTENTROOT") is not null
            ? null
            : AppContext.BaseDirectory;
}
