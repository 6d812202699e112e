using Microsoft.Extensions.Time.Testing;

namespace Resilience.Cache.Lmdb.Tests;

/// <summary>
/// The data files the fuzz damages, written by the LMDB in use with a fixed clock so the bytes are the same on every
/// run: "small" (values inside a leaf page) and "overflow" (a 64 KiB value on overflow pages). Each holds three commits,
/// so both meta pages carry a tree, the newer one is meta page 1 (where a damaged page size once crashed liblmdb 0.9)
/// and the free-page tree is not empty.
/// </summary>
internal static class FuzzBaseFiles
{
    public const string Small = "small";
    public const string Overflow = "overflow";

    private static readonly DateTimeOffset Time = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>Writes the base directory of <paramref name="format"/> under <paramref name="parent"/> and returns its data file's bytes.</summary>
    public static async Task<byte[]> CreateAsync(string parent, string format)
    {
        var directory = Path.Combine(parent, $"base-{format}", "dbless.lmdb");
        var size = format == Small ? 200 : 64 * 1024;
        using (var cache = new LmdbConfigCache(directory, new LmdbConfigCacheOptions(), 256L << 20, null, new FakeTimeProvider(Time), new Microsoft.Extensions.Logging.Abstractions.NullLogger<LmdbConfigCache>()))
        {
            foreach (var name in new[] { "first", "second", "third" })
            {
                var payload = TestConfigs.Json($"{format}-{name}", size);
                await cache.SaveAsync(new ConfigSnapshot(payload, ConfigHash.Compute(payload), ConfigOrigin.ControlPlane, Time), default);
            }
        }

        return await File.ReadAllBytesAsync(Path.Combine(directory, LmdbDataFile.DataFileName));
    }
}
