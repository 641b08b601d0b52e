using System.Security.Cryptography;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Shoal.Server.Tests.Infrastructure;

namespace Shoal.Server.Tests.Hosting;

/// <summary>Shoal with a key-encryption key, as an operator gives it through the environment.</summary>
public sealed class SealedKeysApplication : ShoalApplication<SqliteDatabase>
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("Shoal:KeyEncryptionKey", Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)));
    }

    public string KeysDirectory => Path.Combine(Services.GetRequiredService<IConfiguration>()["Shoal:DataDirectory"]!, "keys");
}

/// <summary>With <c>Shoal:KeyEncryptionKey</c> set, the Data Protection keys in the data folder are sealed, and still read back.</summary>
public sealed class KeyEncryptionTests(SealedKeysApplication shoal) : IClassFixture<SealedKeysApplication>
{
    [Fact]
    public void NewKey_OnDisk_HoldsNoPlaintextMasterKey()
    {
        shoal.Services.GetRequiredService<IDataProtectionProvider>().CreateProtector("test").Protect("device secret");

        var files = Directory.GetFiles(shoal.KeysDirectory, "key-*.xml").Select(File.ReadAllText).ToList();

        Assert.NotEmpty(files);
        Assert.All(files, xml =>
        {
            Assert.Contains("sealedKey", xml, StringComparison.Ordinal);
            Assert.DoesNotContain("<masterKey", xml, StringComparison.Ordinal);
        });
    }

    [Fact]
    public void SealedKey_ReadFromDisk_OpensAndUnprotects()
    {
        var protector = shoal.Services.GetRequiredService<IDataProtectionProvider>().CreateProtector("test");
        var protectedSecret = protector.Protect("device secret");

        var keys = shoal.Services.GetRequiredService<IKeyManager>().GetAllKeys();

        Assert.All(keys, key => Assert.NotNull(key.Descriptor));
        Assert.Equal("device secret", protector.Unprotect(protectedSecret));
    }
}
