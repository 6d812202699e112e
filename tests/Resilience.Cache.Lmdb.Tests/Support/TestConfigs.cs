using System.Text;
using LightningDB;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace Resilience.Cache.Lmdb.Tests;

internal static class TestConfigs
{
    /// <summary>A JSON config of about <paramref name="approximateBytes"/> bytes whose content names it.</summary>
    public static byte[] Json(string name, int approximateBytes = 200)
    {
        var builder = new StringBuilder("{\"name\":\"").Append(name).Append("\",\"routes\":[");
        for (var i = 0; builder.Length < approximateBytes; i++)
        {
            builder.Append(i == 0 ? "" : ",").Append("{\"id\":").Append(i).Append(",\"path\":\"/").Append(name).Append('/').Append(i).Append("\"}");
        }

        return Encoding.UTF8.GetBytes(builder.Append("]}").ToString());
    }

    public static ConfigSnapshot Snapshot(byte[] payload, string? version = null) =>
        new(payload, ConfigHash.Compute(payload), ConfigOrigin.ControlPlane, DateTimeOffset.UtcNow) { Version = version };

    public static LmdbConfigCache Cache(string path, ILogger? logger = null, Action<LmdbConfigCacheOptions>? configure = null, CacheEncryption? encryption = null, LocalWriteStatus? writes = null)
    {
        var options = new LmdbConfigCacheOptions();
        configure?.Invoke(options);
        return new LmdbConfigCache(path, options, 256L * 1024 * 1024, encryption, TimeProvider.System, logger ?? new FakeLogger(), writes);
    }

    public static IReadOnlyList<FakeLogRecord> Events(this FakeLogger logger, int eventId) =>
        logger.Collector.GetSnapshot().Where(r => r.Id.Id == eventId).ToList();

    /// <summary>Writes keys straight into an LMDB directory, as another version of the library would.</summary>
    public static void WriteRaw(string path, params (string Key, byte[] Value)[] entries)
    {
        LmdbNativeLibraryResolver.Register(LmdbNativeLibrary.Auto);
        using var environment = new LightningEnvironment(path, new EnvironmentConfiguration { MapSize = 16L * 1024 * 1024 });
        environment.Open();
        using var tx = environment.BeginTransaction();
        var db = tx.OpenDatabase();
        foreach (var (key, value) in entries)
        {
            tx.Put(db, Encoding.UTF8.GetBytes(key), value).ThrowOnError();
        }

        tx.Commit().ThrowOnError();
    }

    /// <summary>Reads a key straight from an LMDB directory.</summary>
    public static byte[]? ReadRaw(string path, string key)
    {
        LmdbNativeLibraryResolver.Register(LmdbNativeLibrary.Auto);
        using var environment = new LightningEnvironment(path, new EnvironmentConfiguration { MapSize = 16L * 1024 * 1024 });
        environment.Open();
        using var tx = environment.BeginTransaction(TransactionBeginFlags.ReadOnly);
        var db = tx.OpenDatabase();
        var (code, _, value) = tx.Get(db, Encoding.UTF8.GetBytes(key));
        return code == MDBResultCode.Success ? value.CopyToNewArray() : null;
    }

    /// <summary>Replaces the first occurrence of <paramref name="marker"/> in a file, in place.</summary>
    public static void Alter(string file, byte[] marker, byte[] replacement)
    {
        var bytes = File.ReadAllBytes(file);
        var at = bytes.AsSpan().IndexOf(marker);
        Assert.True(at >= 0, "marker not found in the file");
        replacement.CopyTo(bytes.AsSpan(at));
        File.WriteAllBytes(file, bytes);
    }
}
