using System.Text;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Engines;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Resilience.Benchmarks;

/// <summary>
/// What the configuration history costs an apply of a 10 MB configuration from the control plane: the whole pipeline (JSON
/// check, hash, validator, swap, cache write) with <c>History:Depth</c> 5 against the same apply with history off (0), for
/// each cache, in the same run. Every apply serves a configuration the node has not served before (a new serial in the same
/// 10 MB), as a push does; the history then records it (the file cache links the cache file it just wrote, LMDB writes
/// the payload under its own key) and drops the oldest beyond the depth. Goal: at most 1.1x the apply without history.
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 5, iterationCount: 30, invocationCount: 1)]
public class HistoryApplyBenchmarks
{
    private const int ConfigBytes = 10 * 1024 * 1024;
    private const int SerialDigits = 12;
    private string _directory = null!;
    private byte[] _template = null!;
    private int _serialOffset;
    private long _serial;
    private DataPlane _fileWithout = null!;
    private DataPlane _fileWith = null!;
    private DataPlane _lmdbWithout = null!;
    private DataPlane _lmdbWith = null!;
    private LmdbConfigCache[] _lmdbCaches = [];
    private ConfigDocument _next = null!;

    [GlobalSetup]
    public void Setup()
    {
        _directory = Path.Combine(Path.GetTempPath(), "resilience-bench", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_directory);
        (_template, _serialOffset) = Json(ConfigBytes);
        var lmdbWithout = NewLmdb("lmdb-without");
        var lmdbWith = NewLmdb("lmdb-with");
        _lmdbCaches = [lmdbWithout, lmdbWith];
        _fileWithout = Plane(NewFile("file-without"), depth: 0);
        _fileWith = Plane(NewFile("file-with"), depth: 5);
        _lmdbWithout = Plane(lmdbWithout, depth: 0);
        _lmdbWith = Plane(lmdbWith, depth: 5);

        // Fill each history to its depth first: the measured applies also drop the oldest entry, as on a node that runs.
        foreach (var plane in new[] { _fileWithout, _fileWith, _lmdbWithout, _lmdbWith })
        {
            plane.LoadHistoryAsync().GetAwaiter().GetResult();
            for (var i = 0; i < 6; i++)
            {
                Apply(plane, NextDocument());
            }
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (var cache in _lmdbCaches)
        {
            cache.Dispose();
        }

        Directory.Delete(_directory, recursive: true);
    }

    [IterationSetup]
    public void NextConfig() => _next = NextDocument();

    [Benchmark(Baseline = true, Description = "Apply 10 MB, file cache, history off")]
    [BenchmarkCategory("File")]
    public void FileWithoutHistory() => Apply(_fileWithout, _next);

    [Benchmark(Description = "Apply 10 MB, file cache, history depth 5")]
    [BenchmarkCategory("File")]
    public void FileWithHistory() => Apply(_fileWith, _next);

    [Benchmark(Baseline = true, Description = "Apply 10 MB, LMDB cache, history off")]
    [BenchmarkCategory("Lmdb")]
    public void LmdbWithoutHistory() => Apply(_lmdbWithout, _next);

    [Benchmark(Description = "Apply 10 MB, LMDB cache, history depth 5")]
    [BenchmarkCategory("Lmdb")]
    public void LmdbWithHistory() => Apply(_lmdbWith, _next);

    /// <summary>
    /// The same applies in alternating rounds (without, with; file, then LMDB; reversed every other round), each timed alone:
    /// on a machine shared with other builds, a load change hits both sides of a ratio instead of one benchmark's whole run.
    /// Prints medians and ratios.
    /// </summary>
    public static int RunAlternating(int rounds)
    {
        var bench = new HistoryApplyBenchmarks();
        bench.Setup();
        try
        {
            var times = new Dictionary<string, List<double>>(StringComparer.Ordinal);
            var planes = new[] { ("file, history off", bench._fileWithout), ("file, history depth 5", bench._fileWith), ("LMDB, history off", bench._lmdbWithout), ("LMDB, history depth 5", bench._lmdbWith) };
            for (var round = 0; round < rounds; round++)
            {
                // Every other round in reverse order: an apply pays for the write-back the one before it left (the file
                // system's journal, dirty pages), so a fixed order would always charge one side of a ratio.
                foreach (var (name, plane) in round % 2 == 0 ? planes : planes.Reverse())
                {
                    var document = bench.NextDocument();
                    var started = System.Diagnostics.Stopwatch.GetTimestamp();
                    Apply(plane, document);
                    var elapsed = System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                    if (round > 0)
                    {
                        (times.TryGetValue(name, out var list) ? list : times[name] = []).Add(elapsed);
                    }
                }
            }

            static double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);
            foreach (var (name, values) in times)
            {
                Console.WriteLine($"{name}: median {Median(values):F1} ms, mean {values.Average():F1} ms over {values.Count} rounds");
            }

            Console.WriteLine($"ratio file: {Median(times["file, history depth 5"]) / Median(times["file, history off"]):F2}x, LMDB: {Median(times["LMDB, history depth 5"]) / Median(times["LMDB, history off"]):F2}x (medians)");
            return 0;
        }
        finally
        {
            bench.Cleanup();
        }
    }

    private static void Apply(DataPlane plane, ConfigDocument document)
    {
        var result = plane.ApplyAsync(document, CancellationToken.None).AsTask().GetAwaiter().GetResult();
        if (result.Outcome != ApplyOutcome.Applied)
        {
            throw new InvalidOperationException($"the apply was {result}");
        }
    }

    /// <summary>The template with the next serial written in place: a configuration no plane has served yet.</summary>
    private ConfigDocument NextDocument()
    {
        var bytes = (byte[])_template.Clone();
        Encoding.ASCII.GetBytes((++_serial).ToString($"D{SerialDigits}", System.Globalization.CultureInfo.InvariantCulture), bytes.AsSpan(_serialOffset, SerialDigits));
        return new ConfigDocument(bytes, ConfigFormat.Json, ConfigOrigin.ControlPlane) { Source = "benchmark", Version = _serial.ToString(System.Globalization.CultureInfo.InvariantCulture) };
    }

    private static (byte[] Json, int SerialOffset) Json(int size)
    {
        var json = new StringBuilder(size + 256);
        json.Append("{\"serial\":\"");
        var offset = json.Length;
        json.Append('0', SerialDigits).Append("\",\"routes\":[");
        for (var i = 0; json.Length < size; i++)
        {
            json.Append(i == 0 ? "" : ",").Append($"{{\"id\":\"route-{i}\",\"path\":\"/api/v1/service-{i % 997}/{{**rest}}\",\"cluster\":\"cluster-{i % 101}\",\"timeout\":\"00:00:{i % 60:D2}\"}}");
        }

        return (Encoding.UTF8.GetBytes(json.Append("]}").ToString()), offset);
    }

    private DataPlane Plane(IConfigCache cache, int depth) => new(
        new ConfigPreparer(256L * 1024 * 1024, 256L * 1024 * 1024, new DeclarativeConfigOptions()),
        new JsonOnlyConfigValidator(),
        cache,
        new NodeIdentityProvider(Options.Create(new DataPlaneResilienceOptions { NodeId = "bench", NodeVersion = "1.0.0", DataDirectory = _directory })),
        TimeProvider.System,
        NullLogger<DataPlane>.Instance,
        meterFactory: null,
        signatureCheck: null,
        historyDepth: depth);

    private FileConfigCache NewFile(string name) =>
        new(Path.Combine(_directory, name, FileConfigCache.DefaultFileName), 256L * 1024 * 1024, 256L * 1024 * 1024, TimeProvider.System, NullLogger.Instance);

    private LmdbConfigCache NewLmdb(string name) =>
        new(Path.Combine(_directory, name), new LmdbConfigCacheOptions(), 1024L * 1024 * 1024, null, TimeProvider.System, NullLogger.Instance);
}
