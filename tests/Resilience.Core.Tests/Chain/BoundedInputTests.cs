using System.Buffers;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Options;
using Resilience.Storage;
using Xunit.Abstractions;

namespace Resilience.Tests.Chain;

/// <summary>Runs alone, so process-wide allocation counts measure only the test.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MemoryMeasurement
{
    public const string Name = "memory measurement";
}

/// <summary>
/// Hostile sizes cost at most their limit: decompressed and converted sizes are bounded before they are allocated.
/// Allocated bytes are an upper bound of the peak (nothing is freed early), so bounding them bounds the peak.
/// </summary>
[Collection(MemoryMeasurement.Name)]
public sealed class BoundedInputTests(ITestOutputHelper output) : IDisposable
{
    private const long Limit = 32L * 1024 * 1024;
    private const long OneMiB = 1024 * 1024;
    private readonly TempDirectory _dir = new();
    private readonly List<DataPlane> _planes = [];

    [Fact]
    public void Rejecting_a_gzip_bomb_allocates_at_most_the_limit_plus_one_MiB()
    {
        var bomb = Bombs.Zeros64MiB;

        var allocated = AllocatedOnThisThread(() =>
        {
            var error = Assert.Throws<GzipContentException>(() => BoundedGzip.Decompress(bomb, Limit));
            Assert.Equal(RejectionReason.TooLarge, error.Reason);
        });

        Report("BoundedGzip, 64 MiB bomb", allocated);
        Assert.InRange(allocated, 0, Limit + OneMiB);
    }

    [Fact]
    public void Well_formed_gzip_decompresses_into_one_array_of_the_exact_size()
    {
        var content = new byte[8 * OneMiB];
        new Random(7).NextBytes(content.AsSpan(0, 1024));
        var gz = Bombs.Gzip(content);

        byte[]? result = null;
        var allocated = AllocatedOnThisThread(() => result = BoundedGzip.Decompress(gz, Limit));

        Assert.Equal(content, result);
        Report("BoundedGzip, 8 MiB well-formed", allocated);
        Assert.InRange(allocated, content.Length, content.Length + (OneMiB / 4));
    }

    [Fact]
    public void An_announced_size_beyond_the_deflate_ratio_is_not_allocated()
    {
        // A sender's announced size is a hint: 1 KiB of gzip cannot hold 30 MiB, so it must not buy a 30 MiB array.
        var content = new byte[4096];
        new Random(11).NextBytes(content);
        var gz = Bombs.Gzip(content);

        byte[]? result = null;
        var allocated = AllocatedOnThisThread(() => result = BoundedGzip.Decompress(gz, Limit, sizeHint: 30 * OneMiB));

        Assert.Equal(content, result);
        Assert.InRange(allocated, content.Length, OneMiB);
    }

    [Fact]
    public void A_plausible_announced_size_sizes_the_output_exactly()
    {
        var content = new byte[2 * OneMiB];
        new Random(13).NextBytes(content.AsSpan(0, 1024));
        var gz = Bombs.Gzip(content);

        byte[]? result = null;
        var allocated = AllocatedOnThisThread(() => result = BoundedGzip.Decompress(gz, Limit, sizeHint: content.Length));

        Assert.Equal(content, result);
        Assert.InRange(allocated, content.Length, content.Length + (OneMiB / 4));
    }

    [Fact]
    public void Multi_member_gzip_whose_trailer_understates_the_size_still_decompresses_whole()
    {
        var first = Configs.Json("a")[..^1];
        var gz = Bombs.Gzip(first).Concat(Bombs.Gzip(",\"x\":1}"u8.ToArray())).ToArray();

        var result = BoundedGzip.Decompress(gz, Limit);

        Assert.Equal(Encoding.UTF8.GetString(first) + ",\"x\":1}", Encoding.UTF8.GetString(result));
    }

    [Fact]
    public async Task Manual_apply_of_a_gzip_bomb_is_rejected_within_the_limit_plus_one_MiB()
    {
        var plane = Create(maxDecompressedBytes: Limit);
        var bomb = Bombs.Zeros64MiB;

        ApplyResult? result = null;
        var allocated = AllocatedOnThisThread(() => result = plane.ApplyManualAsync(bomb, ConfigFormat.Json, default).AsTask().GetAwaiter().GetResult());

        Assert.Equal(RejectionReason.TooLarge, result!.Reason);
        Report("manual apply, 64 MiB bomb", allocated);
        Assert.InRange(allocated, 0, Limit + OneMiB);
        Assert.Null(plane.Current);
        await Task.CompletedTask;
    }

    [Fact]
    public async Task Cache_file_holding_a_gzip_bomb_is_refused_within_the_limit_plus_one_MiB()
    {
        var path = _dir.Combine("config.json.gz");
        await File.WriteAllBytesAsync(path, Bombs.Zeros64MiB);
        var cache = new FileConfigCache(path, 1 << 20, Limit, TimeProvider.System, NullLogger.Instance);

        ConfigDocument? loaded = null;
        var allocated = await AllocatedInProcessAsync(async () => loaded = await cache.LoadAsync(default));

        Assert.Null(loaded);
        Report("file cache, 64 MiB bomb", allocated);
        Assert.InRange(allocated, 0, Limit + (4 * OneMiB));
    }

    [Fact]
    public async Task File_store_import_of_a_gzip_bomb_is_rejected_within_the_limit_plus_one_MiB()
    {
        var store = new FileFallbackStore(_dir.Combine("store"));
        await store.PutAsync(FallbackStoreKeys.Config("1.0.0"), Bombs.Zeros64MiB, new Dictionary<string, string>(), default);
        var plane = Create(maxDecompressedBytes: Limit);
        var importer = new FallbackImporter(store, 1 << 20, NullLogger.Instance, plane.Metrics);

        ApplyResult? result = null;
        var allocated = await AllocatedInProcessAsync(async () => result = await plane.ApplyAsync((await importer.ImportAsync("1.0.0", default))!, default));

        Assert.Equal(RejectionReason.TooLarge, result!.Reason);
        Report("file store import, 64 MiB bomb", allocated);
        Assert.InRange(allocated, 0, Limit + (4 * OneMiB));
    }

    [Fact]
    public async Task Store_body_over_the_limit_is_refused_within_the_limit_plus_one_MiB()
    {
        Task<byte[]>? read = null;
        var allocated = AllocatedOnThisThread(() => read = BoundedRead.ReadAsync(new EndlessStream(), Limit, "k", default));

        await Assert.ThrowsAsync<FallbackStoreException>(() => read!);
        Report("S3/GCS body read (BoundedRead), endless body", allocated);
        Assert.InRange(allocated, 0, Limit + OneMiB);
    }

    [Fact]
    public void Manual_apply_of_gzipped_yaml_with_a_200_MB_scalar_is_a_quick_typed_rejection()
    {
        var yamlLimits = new DeclarativeConfigOptions();
        var plane = Create(yamlLimits: yamlLimits);
        var bomb = Bombs.YamlWith200MBScalar;

        ApplyResult? result = null;
        var allocated = AllocatedOnThisThread(() => result = plane.ApplyManualAsync(bomb, ConfigFormat.Yaml, default).AsTask().GetAwaiter().GetResult());

        Assert.Equal(ApplyOutcome.Rejected, result!.Outcome);
        Assert.Equal(RejectionReason.TooLarge, result.Reason);
        Report($"manual YAML apply, 200 MB scalar (YAML limit {yamlLimits.MaxFileBytes})", allocated);
        Assert.InRange(allocated, 0, yamlLimits.MaxFileBytes + OneMiB);
    }

    [Fact]
    public void Largest_yaml_scalar_within_the_limit_converts_in_a_small_multiple_of_the_limit()
    {
        var yamlLimits = new DeclarativeConfigOptions { MaxFileBytes = 4 * OneMiB };
        var yaml = Encoding.UTF8.GetBytes("name: big\nblob: \"" + new string('x', (int)(4 * OneMiB) - 64) + "\"\n");
        var gz = Bombs.Gzip(yaml);

        ApplyResult? result = null;
        var allocated = AllocatedOnThisThread(() => result = Create(yamlLimits: yamlLimits).ApplyManualAsync(gz, ConfigFormat.Yaml, default).AsTask().GetAwaiter().GetResult());

        Assert.Equal(ApplyOutcome.Applied, result!.Outcome);
        Report($"YAML with one scalar of {yaml.Length} bytes (limit {yamlLimits.MaxFileBytes})", allocated);
        Assert.InRange(allocated, 0, 12 * yamlLimits.MaxFileBytes);
    }

    [Fact]
    public async Task Yaml_over_its_limit_is_refused_before_it_is_parsed()
    {
        var plane = Create(yamlLimits: new DeclarativeConfigOptions { MaxFileBytes = 1000 });
        var yaml = Encoding.UTF8.GetBytes("name: a\nblob: " + new string('x', 2000) + "\n");

        var result = await plane.ApplyManualAsync(yaml, ConfigFormat.Yaml, default);

        Assert.Equal(RejectionReason.TooLarge, result.Reason);
        Assert.Contains("Declarative:MaxFileBytes", result.Errors[0]);
    }

    [Fact]
    public async Task Declarative_file_with_a_200_MB_scalar_is_logged_and_start_up_moves_on()
    {
        var yaml = _dir.Combine("config.yaml");
        await File.WriteAllBytesAsync(yaml, Bombs.YamlWith200MBScalar);

        await using var node = await ChainNode.StartAsync(ChainNode.Settings(_dir, yaml), services: s => s.AddFakeLogging());

        Assert.True(node.DataPlane.State.StartupCompleted);
        Assert.False(node.DataPlane.State.IsReady);
        Assert.Equal(RejectionReason.TooLarge, node.DataPlane.State.LastApplyResult!.Reason);
        var logs = node.Services.GetFakeLogCollector().GetSnapshot();
        Assert.Contains(logs, r => r.Id.Id == 1001 && r.Message.Contains("TooLarge", StringComparison.Ordinal));
        Assert.Contains(logs, r => r.Id.Id == 1013);
    }

    [Theory]
    [InlineData("InvalidOperationException", RejectionReason.PipelineFailed)]
    [InlineData("OutOfMemoryException", RejectionReason.TooLarge)]
    public async Task An_exception_inside_a_pipeline_step_is_a_rejection_not_a_throw(string thrown, RejectionReason expected)
    {
        var plane = Create(new NameValidatorThatNeverRuns());
        using var manager = new ThrowingMemory(thrown == nameof(OutOfMemoryException) ? new OutOfMemoryException() : new InvalidOperationException("step bug"));

        var result = await plane.ApplyManualAsync(manager.Memory, ConfigFormat.Json, default);

        Assert.Equal(ApplyOutcome.Rejected, result.Outcome);
        Assert.Equal(expected, result.Reason);
        Assert.Contains(thrown, result.Errors[0]);
        Assert.Same(result, plane.State.LastApplyResult);
    }

    public void Dispose()
    {
        foreach (var plane in _planes)
        {
            plane.Dispose();
        }

        _dir.Dispose();
    }

    private static long AllocatedOnThisThread(Action action)
    {
        action(); // warm-up: JIT and one-time statics are not the input's cost
        var before = GC.GetAllocatedBytesForCurrentThread();
        action();
        return GC.GetAllocatedBytesForCurrentThread() - before;
    }

    private static async Task<long> AllocatedInProcessAsync(Func<Task> action)
    {
        await action();
        var before = GC.GetTotalAllocatedBytes(precise: true);
        await action();
        return GC.GetTotalAllocatedBytes(precise: true) - before;
    }

    private void Report(string what, long allocated) =>
        output.WriteLine($"{what}: allocated {allocated / (double)OneMiB:F2} MiB");

    private DataPlane Create(IDataPlaneConfigValidator? validator = null, long maxDecompressedBytes = 256L * 1024 * 1024, DeclarativeConfigOptions? yamlLimits = null)
    {
        var options = Options.Create(new DataPlaneResilienceOptions { NodeId = "test-node", NodeVersion = "1.0.0" });
        var plane = new DataPlane(
            new ConfigPreparer(64L * 1024 * 1024, maxDecompressedBytes, yamlLimits ?? new DeclarativeConfigOptions()),
            validator ?? new JsonOnlyConfigValidator(),
            null,
            new NodeIdentityProvider(options),
            TimeProvider.System,
            NullLogger<DataPlane>.Instance,
            meterFactory: null);
        _planes.Add(plane);
        return plane;
    }

    private sealed class NameValidatorThatNeverRuns : IDataPlaneConfigValidator
    {
        public ValueTask<ConfigValidationResult> ValidateAsync(ReadOnlyMemory<byte> payload, CancellationToken cancellationToken) =>
            throw new InvalidOperationException("the validator must not be reached");
    }

    /// <summary>Memory whose span cannot be taken: stands for any step failing in a way the pipeline did not plan for.</summary>
    private sealed class ThrowingMemory(Exception failure) : MemoryManager<byte>
    {
        private readonly byte[] _content = Configs.Json("a");
        private bool _lengthTaken;

        // The first call only gives Memory its length; every read after that fails.
        public override Span<byte> GetSpan() => _lengthTaken ? throw failure : Taken();

        public override MemoryHandle Pin(int elementIndex = 0) => throw failure;

        public override void Unpin()
        {
        }

        protected override void Dispose(bool disposing)
        {
        }

        private Span<byte> Taken()
        {
            _lengthTaken = true;
            return _content;
        }
    }
}
