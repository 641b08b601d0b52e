using System.Text.Json;
using System.Text.Json.Serialization;

namespace Shoal.Cli;

/// <summary>One server the user logged in to: its address, the API token, and the application secrets the CLI was shown.</summary>
public sealed class Profile
{
    public required string Server { get; set; }
    public required string Email { get; set; }
    public required string Token { get; set; }
    public Guid TokenId { get; set; }
    /// <summary>The northbound API's address; when absent, the application's own access address is used.</summary>
    public string? Northbound { get; set; }
    /// <summary>Accept any TLS certificate from the northbound API (a test install's self-signed one).</summary>
    public bool Insecure { get; set; }
    /// <summary>Application ID to secret, kept from <c>apps create</c>, <c>apps reset-secret</c> and <c>--app-secret</c>.</summary>
    public Dictionary<string, string> Secrets { get; set; } = [];
    /// <summary>Application ID to its northbound access token, reused until it expires: a login may sign the application's other NAs out.</summary>
    public Dictionary<string, NorthboundToken> NorthboundTokens { get; set; } = [];
}

public sealed class NorthboundToken
{
    public required string AccessToken { get; set; }
    public DateTimeOffset ExpiresAt { get; set; }
}

/// <summary>The config file: profiles by name, readable by the user alone (mode 0600, in a 0700 folder).</summary>
public sealed class Profiles
{
    public const string DefaultName = "default";

    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public Dictionary<string, Profile> Entries { get; set; } = [];

    public static string PathIn(string directory) => System.IO.Path.Combine(directory, "config.json");

    public static Profiles Load(string directory)
    {
        var path = PathIn(directory);
        if (!File.Exists(path))
        {
            return new Profiles();
        }
        try
        {
            return JsonSerializer.Deserialize<Profiles>(File.ReadAllText(path), Options) ?? new Profiles();
        }
        catch (JsonException e)
        {
            throw new CliException(ExitCodes.Usage, $"The config file {path} is not readable ({e.Message}); fix or delete it and log in again.");
        }
    }

    public void Save(string directory)
    {
        if (!Directory.Exists(directory))
        {
            if (OperatingSystem.IsWindows())
            {
                Directory.CreateDirectory(directory);
            }
            else
            {
                Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }
        }
        var path = PathIn(directory);
        var temporary = path + ".new";
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }
        using (var stream = new FileStream(temporary, options))
        {
            JsonSerializer.Serialize(stream, this, Options);
        }
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(temporary, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
        File.Move(temporary, path, overwrite: true);
    }

    public Profile Require(string name) =>
        Entries.TryGetValue(name, out var profile)
            ? profile
            : throw new CliException(ExitCodes.Auth, name == DefaultName
                ? "Not logged in: run `shoal login --server URL --email ADDRESS` first."
                : $"Not logged in with profile '{name}': run `shoal login --profile {name} --server URL --email ADDRESS` first.");
}
