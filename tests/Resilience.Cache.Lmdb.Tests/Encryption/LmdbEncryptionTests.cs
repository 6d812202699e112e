using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging.Testing;

namespace Resilience.Cache.Lmdb.Tests;

public sealed class LmdbEncryptionTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    private string CachePath => _temp.Combine("dbless.lmdb");

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task Encrypted_round_trip_loads_and_stores_no_plaintext()
    {
        var key = RandomNumberGenerator.GetBytes(32);
        var payload = TestConfigs.Json("top-secret-upstream", 4096);
        using (var cache = TestConfigs.Cache(CachePath, encryption: new CacheEncryption(key)))
        {
            await cache.SaveAsync(TestConfigs.Snapshot(payload), default);
        }

        var onDisk = await File.ReadAllBytesAsync(Path.Combine(CachePath, "data.mdb"));
        Assert.True(onDisk.AsSpan().IndexOf("top-secret-upstream"u8) < 0, "the payload is readable on disk");

        using var reopened = TestConfigs.Cache(CachePath, encryption: new CacheEncryption(key));
        Assert.Equal(payload, (await reopened.LoadAsync(default))?.Content.ToArray());
    }

    [Fact]
    public async Task Wrong_key_is_reported_clearly_and_loads_nothing()
    {
        using (var cache = TestConfigs.Cache(CachePath, encryption: new CacheEncryption(RandomNumberGenerator.GetBytes(32))))
        {
            await cache.SaveAsync(TestConfigs.Snapshot(TestConfigs.Json("sealed")), default);
        }

        var logger = new FakeLogger();
        using var reopened = TestConfigs.Cache(CachePath, logger, encryption: new CacheEncryption(RandomNumberGenerator.GetBytes(32)));

        Assert.Null(await reopened.LoadAsync(default));
        Assert.Contains("encrypted with another key", Assert.Single(logger.Events(2102)).Message);
    }

    [Fact]
    public async Task Tampered_encrypted_bytes_fail_authentication_and_load_nothing()
    {
        var key = RandomNumberGenerator.GetBytes(32);
        using (var cache = TestConfigs.Cache(CachePath, encryption: new CacheEncryption(key)))
        {
            await cache.SaveAsync(TestConfigs.Snapshot(TestConfigs.Json("sealed", 8192)), default);
        }

        // Flip one byte of the ciphertext inside the LMDB value.
        var sealedValue = TestConfigs.ReadRaw(CachePath, "config")!;
        var probe = sealedValue.AsSpan(CacheEncryption.Overhead + 100, 16).ToArray();
        var altered = (byte[])probe.Clone();
        altered[0] ^= 0x01;
        TestConfigs.Alter(Path.Combine(CachePath, "data.mdb"), probe, altered);
        var logger = new FakeLogger();
        using var reopened = TestConfigs.Cache(CachePath, logger, encryption: new CacheEncryption(key));

        Assert.Null(await reopened.LoadAsync(default));
        Assert.Contains("failed authentication", Assert.Single(logger.Events(2102)).Message);
    }

    [Fact]
    public async Task Encrypted_cache_without_a_key_is_reported_and_ignored()
    {
        using (var cache = TestConfigs.Cache(CachePath, encryption: new CacheEncryption(RandomNumberGenerator.GetBytes(16))))
        {
            await cache.SaveAsync(TestConfigs.Snapshot(TestConfigs.Json("sealed")), default);
        }

        var logger = new FakeLogger();
        using var reopened = TestConfigs.Cache(CachePath, logger);

        Assert.Null(await reopened.LoadAsync(default));
        Assert.Contains("encrypted and no key is configured", Assert.Single(logger.Events(2102)).Message);
    }

    [Fact]
    public async Task Unencrypted_cache_is_read_as_a_migration_once_a_key_is_configured_unless_encryption_is_required()
    {
        var payload = TestConfigs.Json("plain");
        using (var cache = TestConfigs.Cache(CachePath))
        {
            await cache.SaveAsync(TestConfigs.Snapshot(payload), default);
        }

        using (var migrating = TestConfigs.Cache(CachePath, encryption: new CacheEncryption(RandomNumberGenerator.GetBytes(32))))
        {
            var loaded = await migrating.LoadAsync(default);
            Assert.Equal(payload, loaded?.Content.ToArray());
            Assert.Contains("unencrypted", loaded?.MigratedFrom);
        }

        var logger = new FakeLogger();
        using var strict = TestConfigs.Cache(CachePath, logger, encryption: new CacheEncryption(RandomNumberGenerator.GetBytes(32), [], requireEncrypted: true));
        Assert.Null(await strict.LoadAsync(default));
        Assert.Contains("not encrypted", Assert.Single(logger.Events(2102)).Message);
    }

    [Fact]
    public async Task Cache_sealed_with_a_previous_key_is_read_as_a_migration()
    {
        var old = RandomNumberGenerator.GetBytes(32);
        var payload = TestConfigs.Json("rotated");
        using (var cache = TestConfigs.Cache(CachePath, encryption: new CacheEncryption(old)))
        {
            await cache.SaveAsync(TestConfigs.Snapshot(payload), default);
        }

        using var rotated = TestConfigs.Cache(CachePath, encryption: new CacheEncryption(RandomNumberGenerator.GetBytes(32), [old]));
        var loaded = await rotated.LoadAsync(default);

        Assert.Equal(payload, loaded?.Content.ToArray());
        Assert.Contains("previous key", loaded?.MigratedFrom);
    }

    [Fact]
    public async Task Key_is_read_from_the_environment_variable_named_in_the_options()
    {
        var variable = $"RESILIENCE_TEST_KEY_{Guid.NewGuid():N}";
        Environment.SetEnvironmentVariable(variable, Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)));
        try
        {
            var options = new CacheEncryptionOptions { KeyEnvironmentVariable = variable };
            var payload = TestConfigs.Json("from-env");
            using var cache = TestConfigs.Cache(CachePath, encryption: CacheEncryption.Create(options));
            await cache.SaveAsync(TestConfigs.Snapshot(payload), default);

            Assert.True(CacheEncryption.IsSealed(TestConfigs.ReadRaw(CachePath, "config")));
            Assert.Equal(payload, (await cache.LoadAsync(default))?.Content.ToArray());
        }
        finally
        {
            Environment.SetEnvironmentVariable(variable, null);
        }
    }

    [Fact]
    public void Default_key_variable_is_RESILIENCE_CACHE_KEY()
    {
        var options = new CacheEncryptionOptions();
        var seen = new List<string>();

        var encryption = CacheEncryption.Create(options, name =>
        {
            seen.Add(name);
            return Convert.ToBase64String(Encoding.ASCII.GetBytes("0123456789abcdef0123456789abcdef"));
        });

        Assert.NotNull(encryption);
        Assert.Equal(["RESILIENCE_CACHE_KEY"], seen);
    }
}
