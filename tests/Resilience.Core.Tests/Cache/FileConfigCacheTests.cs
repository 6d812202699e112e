using System.IO.Compression;
using Microsoft.Extensions.Logging.Abstractions;

namespace Resilience.Tests.Cache;

/// <summary>The <c>config.json.gz</c> cache over real files.</summary>
public sealed class FileConfigCacheTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    [Fact]
    public async Task Round_trip_keeps_payload_hash_and_metadata()
    {
        var cache = Create();
        var timestamp = DateTimeOffset.Parse("2026-11-01T10:00:00Z", System.Globalization.CultureInfo.InvariantCulture);
        await cache.SaveAsync(Snapshot("a"), default);
        await cache.SaveAsync(new ConfigSnapshot(Configs.Json("b"), ConfigHash.Compute(Configs.Json("b")), ConfigOrigin.ControlPlane, DateTimeOffset.UtcNow) { Version = "v7", Timestamp = timestamp }, default);

        var loaded = await Create().LoadAsync(default);

        Assert.NotNull(loaded);
        Assert.Equal(Configs.Json("b"), loaded.Content.ToArray());
        Assert.Equal(ConfigHash.Compute(Configs.Json("b")), loaded.ExpectedHash);
        Assert.Equal("v7", loaded.Version);
        Assert.Equal(timestamp, loaded.Timestamp);
        Assert.Equal(ConfigOrigin.Cache, loaded.Origin);
    }

    [Theory]
    [InlineData(new byte[] { 0x1f, 0x8b, 0x08 })] // fuzz finding: the trailer read threw ArgumentOutOfRangeException out of LoadAsync
    [InlineData(new byte[] { 0x1f, 0x8b })]
    [InlineData(new byte[] { 0x1f, 0x8b, 0x08, 0, 0, 0, 0, 0, 0, 0x03, 0x03, 0, 0, 0, 0, 0, 0 })]
    public async Task File_too_short_to_be_gzip_is_no_cache_not_an_exception(byte[] content)
    {
        await File.WriteAllBytesAsync(_dir.Combine("config.json.gz"), content);

        Assert.Null(await Create().LoadAsync(default));
    }

    [Fact]
    public async Task Missing_file_is_no_cache()
    {
        Assert.Null(await Create().LoadAsync(default));
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task File_is_readable_by_its_owner_only()
    {
        await Create().SaveAsync(Snapshot("a"), default);

        var mode = File.GetUnixFileMode(_dir.Combine("config.json.gz"));

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, mode);
    }

    [Fact]
    public async Task File_is_gzip_with_a_header_line_and_the_json()
    {
        await Create().SaveAsync(Snapshot("a"), default);

        using var gzip = new GZipStream(File.OpenRead(_dir.Combine("config.json.gz")), CompressionMode.Decompress);
        var lines = new StreamReader(gzip).ReadToEnd().Split('\n', 2);

        Assert.Contains("\"format\":\"resilience-config-cache\"", lines[0]);
        Assert.Equal(System.Text.Encoding.UTF8.GetString(Configs.Json("a")), lines[1]);
    }

    [Fact]
    public async Task File_copied_from_another_node_loads()
    {
        await Create().SaveAsync(Snapshot("a"), default);
        using var other = new TempDirectory();
        File.Copy(_dir.Combine("config.json.gz"), other.Combine("config.json.gz"));

        var loaded = await new FileConfigCache(other.Combine("config.json.gz"), 1 << 20, 1 << 24, TimeProvider.System, NullLogger.Instance).LoadAsync(default);

        Assert.Equal(Configs.Json("a"), loaded!.Content.ToArray());
    }

    [Fact]
    public async Task Truncated_file_is_no_cache()
    {
        await Create().SaveAsync(Snapshot("a"), default);
        var path = _dir.Combine("config.json.gz");
        var bytes = await File.ReadAllBytesAsync(path);
        for (var length = 0; length < bytes.Length; length += Math.Max(1, bytes.Length / 40))
        {
            await File.WriteAllBytesAsync(path, bytes[..length]);
            Assert.Null(await Create().LoadAsync(default));
        }
    }

    [Fact]
    public async Task Altered_payload_with_intact_gzip_is_never_served()
    {
        var path = _dir.Combine("config.json.gz");
        await Create().SaveAsync(Snapshot("a"), default);
        var content = Decompress(await File.ReadAllBytesAsync(path));
        var text = System.Text.Encoding.UTF8.GetString(content).Replace("/a", "/z", StringComparison.Ordinal);
        await File.WriteAllBytesAsync(path, BoundedGzip.Compress(System.Text.Encoding.UTF8.GetBytes(text)));

        // The load hands the header's hash on; the apply pipeline, which hashes every document once, refuses the mismatch.
        var loaded = await Create().LoadAsync(default);
        Assert.Equal(ConfigHash.Compute(Configs.Json("a")), loaded?.ExpectedHash);
        using var plane = History.HistoryPlanes.Plane(cache: null, depth: 0);
        var result = await plane.ApplyAsync(loaded!, default);
        Assert.Equal((ApplyOutcome.Rejected, RejectionReason.HashMismatch), (result.Outcome, result.Reason));
        Assert.Null(plane.Current);
    }

    [Fact]
    public void The_streamed_cache_file_holds_the_envelope_bytes()
    {
        var payload = Configs.Json("streamed");
        var snapshot = new ConfigSnapshot(payload, ConfigHash.Compute(payload), ConfigOrigin.ControlPlane, DateTimeOffset.UtcNow) { Version = "v1", Signature = "sig" };
        var savedAt = DateTimeOffset.UtcNow;

        var decoded = CacheFile.Decode(CacheFile.Encode(snapshot, savedAt, encryption: null), encryption: null, 1 << 24, "test");

        Assert.Equal(CacheEnvelope.Encode(snapshot, savedAt), Decompress(CacheFile.Encode(snapshot, savedAt, encryption: null)));
        Assert.Equal((snapshot.Hash, "v1", "sig"), (decoded.ExpectedHash, decoded.Version, decoded.Signature));
        Assert.Equal(payload, decoded.Content.ToArray());
    }

    [Fact]
    public async Task Other_format_version_is_no_cache()
    {
        var path = _dir.Combine("config.json.gz");
        await Create().SaveAsync(Snapshot("a"), default);
        var text = System.Text.Encoding.UTF8.GetString(Decompress(await File.ReadAllBytesAsync(path)))
            .Replace("\"formatVersion\":1", "\"formatVersion\":2", StringComparison.Ordinal);
        await File.WriteAllBytesAsync(path, BoundedGzip.Compress(System.Text.Encoding.UTF8.GetBytes(text)));

        Assert.Null(await Create().LoadAsync(default));
    }

    [Fact]
    public async Task Failed_write_leaves_the_old_cache_and_no_temporary_files()
    {
        var cache = Create();
        await cache.SaveAsync(Snapshot("a"), default);
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cache.SaveAsync(Snapshot("b"), cancelled.Token).AsTask());

        Assert.Equal(Configs.Json("a"), (await cache.LoadAsync(default))!.Content.ToArray());
        Assert.Equal(["config.json.gz"], Directory.GetFiles(_dir.Path).Select(Path.GetFileName));
    }

    public void Dispose() => _dir.Dispose();

    private static ConfigSnapshot Snapshot(string name) => new(Configs.Json(name), ConfigHash.Compute(Configs.Json(name)), ConfigOrigin.ControlPlane, DateTimeOffset.UtcNow);

    private static byte[] Decompress(byte[] gz) => BoundedGzip.Decompress(gz, 1 << 24);

    private FileConfigCache Create() => new(_dir.Combine("config.json.gz"), 1 << 20, 1 << 24, TimeProvider.System, NullLogger.Instance);
}
