using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Options;

namespace Resilience.Core.Tests.Cache;

public sealed class FileConfigCacheEncryptionTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "resilience-core-tests", Guid.NewGuid().ToString("N"));

    public FileConfigCacheEncryptionTests() => Directory.CreateDirectory(_directory);

    private string CacheFile => Path.Combine(_directory, "config.json.gz");

    public void Dispose()
    {
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    [Fact]
    public async Task Encrypted_round_trip_loads_and_stores_no_readable_gzip()
    {
        var key = RandomNumberGenerator.GetBytes(32);
        var payload = Json("encrypted-round-trip");
        await Cache(new CacheEncryption(key)).SaveAsync(Snapshot(payload), default);

        var onDisk = await File.ReadAllBytesAsync(CacheFile);
        Assert.True(CacheEncryption.IsSealed(onDisk));
        Assert.False(onDisk is [0x1f, 0x8b, ..], "the file is plain gzip");

        var loaded = await Cache(new CacheEncryption(key)).LoadAsync(default);
        Assert.Equal(payload, loaded?.Content.ToArray());
        Assert.Equal(ConfigHash.Compute(payload), loaded?.ExpectedHash);
    }

    [Fact]
    public async Task Wrong_key_is_reported_clearly_and_loads_nothing()
    {
        await Cache(new CacheEncryption(RandomNumberGenerator.GetBytes(32))).SaveAsync(Snapshot(Json("sealed")), default);
        var logger = new FakeLogger();

        var loaded = await Cache(new CacheEncryption(RandomNumberGenerator.GetBytes(32)), logger).LoadAsync(default);

        Assert.Null(loaded);
        var line = Assert.Single(logger.Collector.GetSnapshot(), r => r.Id.Id == 2000);
        Assert.Contains("encrypted with another key", line.Message);
    }

    [Theory]
    [InlineData(4)] // the key id
    [InlineData(10)] // the nonce
    [InlineData(25)] // the tag
    [InlineData(60)] // the ciphertext
    public async Task Tampered_bytes_fail_authentication_and_load_nothing(int offset)
    {
        var key = RandomNumberGenerator.GetBytes(32);
        await Cache(new CacheEncryption(key)).SaveAsync(Snapshot(Json("sealed")), default);
        var bytes = await File.ReadAllBytesAsync(CacheFile);
        bytes[offset] ^= 0x40;
        await File.WriteAllBytesAsync(CacheFile, bytes);
        var logger = new FakeLogger();

        var loaded = await Cache(new CacheEncryption(key), logger).LoadAsync(default);

        Assert.Null(loaded);
        var line = Assert.Single(logger.Collector.GetSnapshot(), r => r.Id.Id == 2000);
        Assert.Matches("failed authentication|another key", line.Message);
    }

    [Fact]
    public async Task Truncated_encrypted_file_loads_nothing()
    {
        var key = RandomNumberGenerator.GetBytes(16);
        await Cache(new CacheEncryption(key)).SaveAsync(Snapshot(Json("sealed")), default);
        var bytes = await File.ReadAllBytesAsync(CacheFile);
        await File.WriteAllBytesAsync(CacheFile, bytes[..(bytes.Length - 7)]);

        Assert.Null(await Cache(new CacheEncryption(key)).LoadAsync(default));
    }

    [Fact]
    public async Task Encrypted_file_without_a_key_is_reported_and_ignored()
    {
        await Cache(new CacheEncryption(RandomNumberGenerator.GetBytes(32))).SaveAsync(Snapshot(Json("sealed")), default);
        var logger = new FakeLogger();

        Assert.Null(await Cache(null, logger).LoadAsync(default));
        Assert.Contains("encrypted and no key is configured", Assert.Single(logger.Collector.GetSnapshot(), r => r.Id.Id == 2000).Message);
    }

    [Fact]
    public async Task Unencrypted_file_is_read_as_a_migration_once_a_key_is_configured()
    {
        var payload = Json("plain");
        await Cache(null).SaveAsync(Snapshot(payload), default);

        var loaded = await Cache(new CacheEncryption(RandomNumberGenerator.GetBytes(32))).LoadAsync(default);

        Assert.Equal(payload, loaded?.Content.ToArray());
        Assert.Contains("unencrypted", loaded?.MigratedFrom);
    }

    [Fact]
    public async Task Unencrypted_file_is_refused_when_encryption_is_required()
    {
        await Cache(null).SaveAsync(Snapshot(Json("plain")), default);
        var logger = new FakeLogger();

        Assert.Null(await Cache(new CacheEncryption(RandomNumberGenerator.GetBytes(32), [], requireEncrypted: true), logger).LoadAsync(default));
        Assert.Contains("not encrypted", Assert.Single(logger.Collector.GetSnapshot(), r => r.Id.Id == 2000).Message);
    }

    [Fact]
    public async Task File_sealed_with_a_previous_key_is_read_as_a_migration_and_one_with_an_unknown_key_names_the_option()
    {
        var old = RandomNumberGenerator.GetBytes(32);
        var payload = Json("rotated");
        await Cache(new CacheEncryption(old)).SaveAsync(Snapshot(payload), default);

        var loaded = await Cache(new CacheEncryption(RandomNumberGenerator.GetBytes(32), [old])).LoadAsync(default);
        Assert.Equal(payload, loaded?.Content.ToArray());
        Assert.Contains("previous key", loaded?.MigratedFrom);
        Assert.Null((await Cache(new CacheEncryption(old)).LoadAsync(default))?.MigratedFrom);

        var logger = new FakeLogger();
        Assert.Null(await Cache(new CacheEncryption(RandomNumberGenerator.GetBytes(32)), logger).LoadAsync(default));
        Assert.Contains("PreviousKeys", Assert.Single(logger.Collector.GetSnapshot(), r => r.Id.Id == 2000).Message);
    }

    [Fact]
    public async Task Unencrypted_cache_still_works_without_a_key()
    {
        var payload = Json("plain");
        await Cache(null).SaveAsync(Snapshot(payload), default);

        Assert.Equal(payload, (await Cache(null).LoadAsync(default))?.Content.ToArray());
    }

    [Fact]
    public async Task Key_from_the_Cache_Encryption_section_encrypts_the_file_cache()
    {
        var key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        using var provider = Provider(new Dictionary<string, string?> { ["Cache:Encryption:Key"] = key });
        var payload = Json("configured");

        await provider.GetRequiredService<IConfigCache>().SaveAsync(Snapshot(payload), default);

        Assert.True(CacheEncryption.IsSealed(await File.ReadAllBytesAsync(CacheFile)));
        Assert.Equal(payload, (await Cache(new CacheEncryption(Convert.FromBase64String(key))).LoadAsync(default))?.Content.ToArray());
    }

    [Fact]
    public async Task Key_from_an_environment_variable_encrypts_the_file_cache()
    {
        var variable = $"RESILIENCE_TEST_KEY_{Guid.NewGuid():N}";
        var key = RandomNumberGenerator.GetBytes(32);
        Environment.SetEnvironmentVariable(variable, Convert.ToBase64String(key));
        try
        {
            using var provider = Provider(new Dictionary<string, string?> { ["Cache:Encryption:KeyEnvironmentVariable"] = variable });

            await provider.GetRequiredService<IConfigCache>().SaveAsync(Snapshot(Json("from-env")), default);

            Assert.NotNull(await Cache(new CacheEncryption(key)).LoadAsync(default));
        }
        finally
        {
            Environment.SetEnvironmentVariable(variable, null);
        }
    }

    [Theory]
    [InlineData("not base64!", "is not base64")]
    [InlineData("AAAAAAAAAAAAAAAAAAAAAA==", null)]
    [InlineData("AAAAAAAAAAAAAAAAAAAA", "decodes to 15 bytes")]
    public void Key_is_validated_at_start_up(string key, string? expectedError)
    {
        using var provider = Provider(new Dictionary<string, string?> { ["Cache:Encryption:Key"] = key });

        if (expectedError is null)
        {
            Assert.Equal(key, provider.GetRequiredService<IOptions<FileConfigCacheOptions>>().Value.Encryption.Key);
        }
        else
        {
            var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<FileConfigCacheOptions>>().Value);
            Assert.Contains(expectedError, error.Message);
            Assert.DoesNotContain(key, error.Message);
        }
    }

    [Fact]
    public void Each_write_uses_a_fresh_nonce()
    {
        var encryption = new CacheEncryption(RandomNumberGenerator.GetBytes(32));
        var plaintext = Encoding.UTF8.GetBytes("same input");

        var first = encryption.Seal(plaintext);
        var second = encryption.Seal(plaintext);

        Assert.NotEqual(first, second);
        Assert.Equal(plaintext, encryption.Open(second));
        Assert.Equal(CacheEncryption.Overhead + plaintext.Length, first.Length);
    }

    private FileConfigCache Cache(CacheEncryption? encryption, FakeLogger? logger = null) =>
        new(CacheFile, 64L * 1024 * 1024, 256L * 1024 * 1024, TimeProvider.System, logger ?? new FakeLogger(), encryption);

    private ServiceProvider Provider(Dictionary<string, string?> values)
    {
        values["DataDirectory"] = _directory;
        values.TryAdd("Cache:Encryption:KeyEnvironmentVariable", "");
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddDataPlaneResilience(new ConfigurationBuilder().AddInMemoryCollection(values).Build());
        return services.BuildServiceProvider();
    }

    private static ConfigSnapshot Snapshot(byte[] payload) => new(payload, ConfigHash.Compute(payload), ConfigOrigin.ControlPlane, DateTimeOffset.UtcNow);

    private static byte[] Json(string name) => Encoding.UTF8.GetBytes($"{{\"name\":\"{name}\",\"routes\":[{string.Join(',', Enumerable.Range(0, 50).Select(i => $"{{\"id\":{i}}}"))}]}}");
}
