using System.Net.Http.Json;
using System.Text.Json;
using Shoal.Server.Tests.Subscriptions;

namespace Shoal.Cli.Tests;

/// <summary>Push subscriptions, through the management API's push routes with the API token alone.</summary>
public sealed class SubscriptionCommandTests(CliServer server) : IDisposable
{
    private readonly CliRunner _cli = new(server);

    [Fact]
    public async Task CreateListDelete_NeedNoApplicationSecret()
    {
        await _cli.LoginAsNewUserAsync();
        var app = await _cli.NewApplicationAsync();
        ForgetApplicationSecrets();

        var created = await _cli.RunAsync("subscriptions", "create", "--app", app, "--type", "deviceDataChanged", "--url", "http://127.0.0.1:9/push", "--json");
        created.AssertOk();
        var id = created.Json.GetProperty("id").GetString()!;
        var listed = await _cli.RunAsync("subscriptions", "list", "--app", app, "--json");
        var deleted = await _cli.RunAsync("subscriptions", "delete", id, "--app", app, "--json");
        var after = await _cli.RunAsync("subscriptions", "list", "--app", app, "--json");

        Assert.Equal("deviceDataChanged", created.Json.GetProperty("notifyType").GetString());
        var subscription = Assert.Single(listed.Json.EnumerateArray());
        Assert.Equal(id, subscription.GetProperty("id").GetString());
        Assert.True(subscription.GetProperty("valid").GetBoolean());
        deleted.AssertOk();
        Assert.Equal(0, after.Json.GetArrayLength());
    }

    [Fact]
    public async Task Create_UnknownNotifyType_ExitsRefusedNamingTheField()
    {
        await _cli.LoginAsNewUserAsync();
        var app = await _cli.NewApplicationAsync();

        var created = await _cli.RunAsync("subscriptions", "create", "--app", app, "--type", "nothingChanged", "--url", "http://127.0.0.1:9/push");

        Assert.Equal(ExitCodes.Refused, created.ExitCode);
        Assert.Contains("notifyType:", created.Error, StringComparison.Ordinal);
        Assert.Equal(0, (await _cli.RunAsync("subscriptions", "list", "--app", app, "--json")).Json.GetArrayLength());
    }

    [Fact]
    public async Task Delete_UnknownSubscription_ExitsRefused()
    {
        await _cli.LoginAsNewUserAsync();
        var app = await _cli.NewApplicationAsync();

        var deleted = await _cli.RunAsync("subscriptions", "delete", "no-such-subscription", "--app", app);

        Assert.Equal(ExitCodes.Refused, deleted.ExitCode);
        Assert.Contains("404", deleted.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Test_ShoalSendsTheReceiverASignedSample()
    {
        var user = await _cli.LoginAsNewUserAsync();
        var app = await _cli.NewApplicationAsync();
        await using var receiver = await PushReceiver.StartAsync();
        using var rotated = await user.Client.PostAsync(new Uri($"/api/v1/applications/{app}/push/signing-secret", UriKind.Relative), null, TestContext.Current.CancellationToken);
        var signingSecret = (await rotated.EnsureSuccessStatusCode().Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken)).GetProperty("secret").GetString()!;
        var created = await _cli.RunAsync("subscriptions", "create", "--app", app, "--type", "deviceDataChanged", "--url", receiver.Url(), "--json");
        created.AssertOk();

        var tested = await _cli.RunAsync("subscriptions", "test", created.Json.GetProperty("id").GetString()!, "--app", app, "--json");

        tested.AssertOk();
        Assert.True(tested.Json.GetProperty("succeeded").GetBoolean());
        Assert.Equal(200, tested.Json.GetProperty("status").GetInt32());
        var push = Assert.Single(receiver.Received);
        Assert.Equal("deviceDataChanged", JsonDocument.Parse(push.Body).RootElement.GetProperty("notifyType").GetString());
        Assert.True(await SignatureVerifier.VerifiesAsync(signingSecret, push));
    }

    [Fact]
    public async Task Test_ReceiverRefuses_ExitsRefusedWithItsStatus()
    {
        await _cli.LoginAsNewUserAsync();
        var app = await _cli.NewApplicationAsync();
        await using var receiver = await PushReceiver.StartAsync();
        receiver.Answer = _ => 503;
        var created = await _cli.RunAsync("subscriptions", "create", "--app", app, "--type", "deviceDataChanged", "--url", receiver.Url(), "--json");
        created.AssertOk();

        var tested = await _cli.RunAsync("subscriptions", "test", created.Json.GetProperty("id").GetString()!, "--app", app);

        Assert.Equal(ExitCodes.Refused, tested.ExitCode);
        Assert.Contains("503", tested.Out, StringComparison.Ordinal);
        Assert.Single(receiver.Received);
    }

    /// <summary>Leaves the profile with the API token only, as after a login on another machine.</summary>
    private void ForgetApplicationSecrets()
    {
        var profiles = Profiles.Load(_cli.ConfigDirectory);
        profiles.Entries[Profiles.DefaultName].Secrets.Clear();
        profiles.Entries[Profiles.DefaultName].NorthboundTokens.Clear();
        profiles.Save(_cli.ConfigDirectory);
    }

    public void Dispose() => _cli.Dispose();
}
