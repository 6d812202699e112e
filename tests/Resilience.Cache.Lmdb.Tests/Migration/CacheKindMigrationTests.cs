using System.Security.Cryptography;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Testing;

namespace Resilience.Cache.Lmdb.Tests;

/// <summary>
/// A node whose cache kind changes (file to LMDB and back, encryption turned on, key rotated) reads what the other kind
/// left through the same pipeline, serves it, writes its own kind, logs the migration (2010) and leaves the old file.
/// </summary>
public sealed class CacheKindMigrationTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    private string DataDirectory => _temp.Combine("data");

    private string FileCache => Path.Combine(DataDirectory, "config.json.gz");

    private string LmdbCache => Path.Combine(DataDirectory, "dbless.lmdb");

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task Node_switched_from_the_file_cache_to_LMDB_serves_the_file_writes_LMDB_and_leaves_the_file()
    {
        var payload = await ServeAndStopAsync(lmdb: false);
        var fileBefore = await File.ReadAllBytesAsync(FileCache);

        await using (var switched = await StartAsync(lmdb: true))
        {
            Assert.Equal(ConfigOrigin.Cache, switched.DataPlane.State.ServingTier);
            Assert.Equal(payload, switched.DataPlane.Current?.Payload.ToArray());
            var migrated = Assert.Single(switched.Logs(2010)).Message;
            Assert.Contains(FileCache, migrated, StringComparison.Ordinal);
            Assert.Contains(LmdbCache, migrated, StringComparison.Ordinal);
        }

        Assert.Equal(fileBefore, await File.ReadAllBytesAsync(FileCache));
        File.Delete(FileCache);
        await using var again = await StartAsync(lmdb: true);
        Assert.Equal(payload, again.DataPlane.Current?.Payload.ToArray());
        Assert.Empty(again.Logs(2010));
    }

    [Fact]
    public async Task Node_moved_back_from_LMDB_to_the_file_cache_reads_LMDB_without_changing_it()
    {
        var payload = await ServeAndStopAsync(lmdb: true);
        var dataBefore = await File.ReadAllBytesAsync(Path.Combine(LmdbCache, "data.mdb"));

        await using (var back = await StartAsync(lmdb: false, migrateFromLmdb: true))
        {
            Assert.Equal(ConfigOrigin.Cache, back.DataPlane.State.ServingTier);
            Assert.Equal(payload, back.DataPlane.Current?.Payload.ToArray());
            Assert.Single(back.Logs(2010));
        }

        Assert.Equal(dataBefore, await File.ReadAllBytesAsync(Path.Combine(LmdbCache, "data.mdb")));
        Directory.Delete(LmdbCache, recursive: true);
        await using var again = await StartAsync(lmdb: false);
        Assert.Equal(payload, again.DataPlane.Current?.Payload.ToArray());
    }

    [Fact]
    public async Task Without_the_LMDB_reader_a_node_back_on_the_file_cache_says_how_to_read_the_LMDB_it_left()
    {
        await ServeAndStopAsync(lmdb: true);

        await using var back = await StartAsync(lmdb: false);

        Assert.Equal(ConfigOrigin.None, back.DataPlane.State.ServingTier);
        Assert.Contains("MigrateFromLmdbCache", Assert.Single(back.Logs(2011)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LMDB_cache_with_encryption_turned_on_and_then_its_key_rotated_keeps_serving_and_is_sealed_with_the_new_key()
    {
        var payload = await ServeAndStopAsync(lmdb: true);
        var first = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        var second = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

        await using (var encrypted = await StartAsync(lmdb: true, key: first))
        {
            Assert.Equal(payload, encrypted.DataPlane.Current?.Payload.ToArray());
            Assert.Contains("unencrypted", Assert.Single(encrypted.Logs(2010)).Message, StringComparison.Ordinal);
        }

        Assert.True(CacheEncryption.IsSealed(TestConfigs.ReadRaw(LmdbCache, "config")));
        await using (var rotated = await StartAsync(lmdb: true, key: second, previousKey: first))
        {
            Assert.Equal(payload, rotated.DataPlane.Current?.Payload.ToArray());
            Assert.Contains("previous key", Assert.Single(rotated.Logs(2010)).Message, StringComparison.Ordinal);
        }

        // Sealed with the new key now: it loads without the previous one.
        await using var settled = await StartAsync(lmdb: true, key: second);
        Assert.Equal(payload, settled.DataPlane.Current?.Payload.ToArray());
        Assert.Empty(settled.Logs(2010));
    }

    [Fact]
    public async Task An_altered_file_left_by_the_other_kind_fails_the_hash_check_and_is_not_served()
    {
        await ServeAndStopAsync(lmdb: false, name: "intact-payload-0001");
        var altered = await new FileConfigCache(FileCache, 1 << 20, 1 << 24, TimeProvider.System, new FakeLogger()).LoadAsync(default);
        var tampered = altered!.Content.ToArray();
        tampered[tampered.AsSpan().IndexOf("0001"u8)] = (byte)'9';

        // Rewrite the file with the old header (old hash) and the altered payload, as a stray write would leave it.
        var header = System.Text.Encoding.UTF8.GetBytes($$"""{"format":"resilience-config-cache","formatVersion":1,"hash":"{{altered.ExpectedHash}}","length":{{tampered.Length}},"origin":"ControlPlane","savedAt":"2026-01-01T00:00:00+00:00"}""" + "\n");
        await File.WriteAllBytesAsync(FileCache, Gzip([.. header, .. tampered]));

        await using var switched = await StartAsync(lmdb: true);

        Assert.Equal(ConfigOrigin.None, switched.DataPlane.State.ServingTier);
        // The file cache hands the header's hash on; the pipeline, which hashes every document once, refuses the mismatch.
        Assert.Contains(switched.Logs(1001), l => l.Message.Contains("HashMismatch", StringComparison.Ordinal) && l.Message.Contains("does not match the claimed", StringComparison.Ordinal));
        Assert.Empty(switched.Logs(2010));
        Assert.Null(TestConfigs.ReadRaw(LmdbCache, "config"));
    }

    [Fact]
    public async Task A_file_left_by_the_other_kind_that_the_validator_refuses_is_not_served()
    {
        await ServeAndStopAsync(lmdb: false, name: "refused-later");

        await using var switched = await StartAsync(lmdb: true, refuse: "refused-later");

        Assert.Equal(ConfigOrigin.None, switched.DataPlane.State.ServingTier);
        Assert.Equal(RejectionReason.ValidatorRejected, switched.DataPlane.State.LastApplyResult?.Reason);
        Assert.Equal(ConfigOrigin.Cache, switched.DataPlane.State.LastApplyResult?.Origin);
        Assert.Empty(switched.Logs(2010));
        Assert.Null(TestConfigs.ReadRaw(LmdbCache, "config"));
    }

    private static byte[] Gzip(byte[] content)
    {
        using var output = new MemoryStream();
        using (var gzip = new System.IO.Compression.GZipStream(output, System.IO.Compression.CompressionLevel.Fastest))
        {
            gzip.Write(content);
        }

        return output.ToArray();
    }

    private async Task<byte[]> ServeAndStopAsync(bool lmdb, string name = "served-before")
    {
        var payload = TestConfigs.Json(name);
        await using var node = await StartAsync(lmdb);
        Assert.Equal(ApplyOutcome.Applied, (await node.DataPlane.ApplyAsync(new ConfigDocument(payload, ConfigFormat.Json, ConfigOrigin.ControlPlane), default)).Outcome);
        return payload;
    }

    private async Task<Node> StartAsync(bool lmdb, bool migrateFromLmdb = false, string? key = null, string? previousKey = null, string? refuse = null)
    {
        var values = new Dictionary<string, string?>
        {
            ["DataDirectory"] = DataDirectory,
            ["NodeVersion"] = "1.0.0",
            ["StartupTimeout"] = "00:00:05",
            ["Cache:Encryption:Key"] = key,
            ["Cache:Encryption:KeyEnvironmentVariable"] = string.Empty,
            ["Cache:Encryption:PreviousKeys:0"] = previousKey,
        };
        var services = new ServiceCollection();
        services.AddFakeLogging();
        var builder = services.AddDataPlaneResilience(new ConfigurationBuilder().AddInMemoryCollection(values).Build());
        if (lmdb)
        {
            builder.UseLmdbCache();
        }

        if (migrateFromLmdb)
        {
            builder.MigrateFromLmdbCache();
        }

        if (refuse is not null)
        {
            builder.UseValidator((json, _) => ValueTask.FromResult(System.Text.Encoding.UTF8.GetString(json.Span).Contains(refuse, StringComparison.Ordinal)
                ? ConfigValidationResult.Invalid("refused by the host's validator")
                : ConfigValidationResult.Valid()));
        }

        var provider = services.BuildServiceProvider();
        var chain = provider.GetRequiredService<DataPlaneChain>();
        await chain.StartAsync(default);
        await chain.Startup.WaitAsync(TimeSpan.FromSeconds(30));
        return new Node(provider, chain);
    }

    private sealed class Node(ServiceProvider provider, DataPlaneChain chain) : IAsyncDisposable
    {
        public DataPlane DataPlane => provider.GetRequiredService<DataPlane>();

        public IReadOnlyList<FakeLogRecord> Logs(int id) => provider.GetFakeLogCollector().GetSnapshot().Where(r => r.Id.Id == id).ToList();

        public async ValueTask DisposeAsync()
        {
            await chain.StopAsync(default);
            await provider.DisposeAsync();
        }
    }
}
