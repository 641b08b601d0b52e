using System.CommandLine;
using System.Text.Json;
using static Shoal.Cli.Commands.Symbols;

namespace Shoal.Cli.Commands;

/// <summary><c>login</c> and <c>logout</c>: an API token made with e-mail and password, kept in the profile.</summary>
internal static class AccountCommands
{
    public static Command Login(CommandFactory cli)
    {
        var server = Option<string>("--server", "The server's address, e.g. https://shoal.example.com.", required: true);
        var email = Option<string>("--email", "The account's e-mail address.", required: true);
        var password = Option<string?>("--password", "The password; else $SHOAL_PASSWORD, else it is read from stdin.");
        var northbound = Option<string?>("--northbound", "The northbound API's address, when it is not the one the server shows applications.");
        var insecure = Option<bool>("--insecure", "Accept any TLS certificate from the northbound API (a test install's own).");
        return cli.Command("login", "Creates an API token and keeps it in the profile.", async (run, cancellationToken) =>
        {
            var secret = run.Value(password) ?? Environment.GetEnvironmentVariable("SHOAL_PASSWORD") ?? await ReadPasswordAsync(run.Console, cancellationToken);
            if (string.IsNullOrEmpty(secret))
            {
                throw new CliException(ExitCodes.Usage, "Give the password with --password, $SHOAL_PASSWORD or on stdin.");
            }
            var profile = new Profile { Server = ShoalApi.BaseOf(run.Value(server)).ToString(), Email = run.Value(email), Token = "" };
            using var api = ShoalApi.For(profile);
            var issued = (await api.PostAsync("tokens", new { email = profile.Email, password = secret, name = $"shoal CLI on {Environment.MachineName}" }, cancellationToken))!.Value;
            profile.Token = issued.GetProperty("token").GetString()!;
            profile.TokenId = issued.GetProperty("details").GetProperty("id").GetGuid();
            profile.Northbound = run.Value(northbound);
            profile.Insecure = run.Value(insecure);
            if (run.Profiles.Entries.TryGetValue(run.ProfileName, out var previous))
            {
                profile.Secrets = previous.Secrets;
            }
            run.Profiles.Entries[run.ProfileName] = profile;
            run.SaveProfiles();
            if (run.Json)
            {
                run.WriteJson(new { profile = run.ProfileName, server = profile.Server, email = profile.Email, tokenId = profile.TokenId });
            }
            else
            {
                run.Say($"Logged in to {profile.Server} as {profile.Email} (profile '{run.ProfileName}').");
            }
            return ExitCodes.Ok;
        }, server, email, password, northbound, insecure);
    }

    public static Command Logout(CommandFactory cli) =>
        cli.Command("logout", "Revokes the profile's API token and forgets the profile.", async (run, cancellationToken) =>
        {
            var profile = run.Profile;
            using (var api = run.Api())
            {
                try
                {
                    await api.DeleteAsync($"account/tokens/{profile.TokenId}", cancellationToken);
                }
                catch (CliException e) when (e.ExitCode == ExitCodes.Auth)
                {
                    // The token was already revoked or expired: forgetting it is all that is left to do.
                }
            }
            run.Profiles.Entries.Remove(run.ProfileName);
            run.SaveProfiles();
            if (run.Json)
            {
                run.WriteJson(new { profile = run.ProfileName, loggedOut = true });
            }
            else
            {
                run.Say($"Logged out of {profile.Server} (profile '{run.ProfileName}').");
            }
            return ExitCodes.Ok;
        });

    /// <summary>From a terminal, typed without echo after a prompt; otherwise the first line of stdin.</summary>
    private static async Task<string?> ReadPasswordAsync(CliConsole console, CancellationToken cancellationToken)
    {
        if (!ReferenceEquals(console.In, Console.In) || Console.IsInputRedirected)
        {
            return await console.In.ReadLineAsync(cancellationToken);
        }
        await console.Error.WriteAsync("Password: ");
        var typed = new System.Text.StringBuilder();
        for (var key = Console.ReadKey(intercept: true); key.Key != ConsoleKey.Enter; key = Console.ReadKey(intercept: true))
        {
            if (key.Key == ConsoleKey.Backspace)
            {
                typed.Length = Math.Max(0, typed.Length - 1);
            }
            else if (!char.IsControl(key.KeyChar))
            {
                typed.Append(key.KeyChar);
            }
        }
        await console.Error.WriteLineAsync();
        return typed.ToString();
    }

    internal static string? String(this JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
