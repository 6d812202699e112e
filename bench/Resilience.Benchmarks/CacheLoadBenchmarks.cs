using System.Text;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using Microsoft.Extensions.Logging.Abstractions;

namespace Resilience.Benchmarks;

/// <summary>
/// The local cache tier with a 10 MB configuration, against same-run baselines:
/// a cold load (a new cache instance each time: open, read, check format, length and hash) against
/// <see cref="File.ReadAllBytes(string)"/> of an uncompressed copy, and a write against writing the
/// raw bytes and fsync. The OS page cache is warm in every case; "cold" means the process opens the
/// cache afresh, as a restarted node does. Target: LMDB load within 2x of the raw read.
/// The LMDB load leaves the payload's SHA-256 to the apply pipeline (which hashes every document
/// from every tier); the gzip load computes it as well. The SHA-256 line shows that cost alone.
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class CacheLoadBenchmarks
{
    private const int ConfigBytes = 10 * 1024 * 1024;
    private string _directory = null!;
    private string _rawPath = null!;
    private string _rawWritePath = null!;
    private string _lmdbPath = null!;
    private string _gzipPath = null!;
    private byte[] _payload = null!;
    private ConfigSnapshot _snapshot = null!;
    private LmdbConfigCache _lmdbWriter = null!;
    private FileConfigCache _gzipWriter = null!;

    [GlobalSetup]
    public void Setup()
    {
        _directory = Path.Combine(Path.GetTempPath(), "resilience-bench", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_directory);
        _payload = Json(ConfigBytes);
        _snapshot = new ConfigSnapshot(_payload, ConfigHash.Compute(_payload), ConfigOrigin.ControlPlane, DateTimeOffset.UtcNow);

        _rawPath = Path.Combine(_directory, "config.json");
        File.WriteAllBytes(_rawPath, _payload);
        _rawWritePath = Path.Combine(_directory, "config-write.json");
        _lmdbPath = Path.Combine(_directory, "dbless.lmdb");
        _gzipPath = Path.Combine(_directory, "config.json.gz");

        using (var lmdb = NewLmdb(_lmdbPath))
        {
            lmdb.SaveAsync(_snapshot, default).AsTask().GetAwaiter().GetResult();
        }

        NewGzip(_gzipPath).SaveAsync(_snapshot, default).AsTask().GetAwaiter().GetResult();

        // Writers get their own files so that loads always read the same bytes.
        _lmdbWriter = NewLmdb(Path.Combine(_directory, "write.lmdb"));
        _gzipWriter = NewGzip(Path.Combine(_directory, "write.json.gz"));
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _lmdbWriter.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    [Benchmark(Baseline = true, Description = "Load: File.ReadAllBytes (raw)")]
    [BenchmarkCategory("Load")]
    public int LoadRaw() => File.ReadAllBytes(_rawPath).Length;

    [Benchmark(Description = "Load: LMDB (cold)")]
    [BenchmarkCategory("Load")]
    public int LoadLmdb()
    {
        using var cache = NewLmdb(_lmdbPath);
        return cache.LoadAsync(default).AsTask().GetAwaiter().GetResult()?.Content.Length ?? throw new InvalidOperationException("no config");
    }

    [Benchmark(Description = "Load: gzip file (cold)")]
    [BenchmarkCategory("Load")]
    public int LoadGzip() =>
        NewGzip(_gzipPath).LoadAsync(default).AsTask().GetAwaiter().GetResult()?.Content.Length ?? throw new InvalidOperationException("no config");

    /// <summary>Not a cache: the hash check the apply pipeline runs on every document from every tier, for scale.</summary>
    [Benchmark(Description = "Load reference: SHA-256 of the payload (pipeline)")]
    [BenchmarkCategory("Load")]
    public int HashPayload() => ConfigHash.Compute(_payload).Length;

    [Benchmark(Baseline = true, Description = "Write: raw bytes + fsync")]
    [BenchmarkCategory("Write")]
    public void WriteRaw()
    {
        using var stream = new FileStream(_rawWritePath, FileMode.Create, FileAccess.Write, FileShare.None);
        stream.Write(_payload);
        stream.Flush(flushToDisk: true);
    }

    [Benchmark(Description = "Write: LMDB")]
    [BenchmarkCategory("Write")]
    public void WriteLmdb() => _lmdbWriter.SaveAsync(_snapshot, default).AsTask().GetAwaiter().GetResult();

    [Benchmark(Description = "Write: gzip file")]
    [BenchmarkCategory("Write")]
    public void WriteGzip() => _gzipWriter.SaveAsync(_snapshot, default).AsTask().GetAwaiter().GetResult();

    private static LmdbConfigCache NewLmdb(string path) =>
        new(path, new LmdbConfigCacheOptions(), 256L * 1024 * 1024, null, TimeProvider.System, NullLogger.Instance);

    private static FileConfigCache NewGzip(string path) =>
        new(path, 256L * 1024 * 1024, 256L * 1024 * 1024, TimeProvider.System, NullLogger.Instance);

    private static byte[] Json(int size)
    {
        var builder = new StringBuilder("{\"routes\":[", size + 256);
        for (var i = 0; builder.Length < size; i++)
        {
            builder.Append(i == 0 ? "" : ",")
                .Append("{\"id\":\"route-").Append(i).Append("\",\"path\":\"/api/v1/service-").Append(i % 997)
                .Append("/items/{id}\",\"cluster\":\"cluster-").Append(i % 61).Append("\",\"timeoutMs\":").Append(1000 + (i % 5000)).Append('}');
        }

        return Encoding.UTF8.GetBytes(builder.Append("]}").ToString());
    }
}
