using System.IO.Compression;
using System.Text;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Resilience.Tests.FallbackStore;

namespace Resilience.Tests.Chain;

/// <summary>The apply pipeline on its own: limits, conversion, validation, swap, newest wins.</summary>
public sealed class DataPlaneTests : IDisposable
{
    private readonly RecordingCache _cache = new();
    private readonly List<DataPlane> _created = [];

    [Fact]
    public async Task Applied_config_is_served_and_cached()
    {
        var plane = Create();

        var result = await plane.ApplyAsync(Json("a", ConfigOrigin.ControlPlane), default);

        Assert.Equal(ApplyOutcome.Applied, result.Outcome);
        Assert.Equal("a", Configs.NameOf(plane.Current));
        Assert.Equal(ConfigHash.Compute(Configs.Json("a")), plane.Current!.Hash);
        Assert.Equal(["a"], _cache.SavedNames);
    }

    [Fact]
    public async Task Validator_rejection_keeps_the_old_config_and_says_why()
    {
        var plane = Create(new NameValidator(reject: "bad"));
        await plane.ApplyAsync(Json("good", ConfigOrigin.ControlPlane), default);

        var result = await plane.ApplyAsync(Json("bad", ConfigOrigin.ControlPlane), default);

        Assert.Equal(ApplyOutcome.Rejected, result.Outcome);
        Assert.Equal(RejectionReason.ValidatorRejected, result.Reason);
        Assert.Equal(["name 'bad' is not allowed"], result.Errors);
        Assert.Equal("good", Configs.NameOf(plane.Current));
        Assert.Equal(["good"], _cache.SavedNames);
        Assert.Same(result, plane.State.LastApplyResult);
    }

    [Fact]
    public async Task Validator_that_throws_is_a_rejection_not_a_crash()
    {
        var plane = Create(new DelegateConfigValidator((_, _) => throw new FormatException("schema v9 unknown")));

        var result = await plane.ApplyAsync(Json("a", ConfigOrigin.ControlPlane), default);

        Assert.Equal(RejectionReason.ValidatorFailed, result.Reason);
        Assert.Contains("schema v9 unknown", result.Errors[0]);
        Assert.Null(plane.Current);
    }

    [Fact]
    public async Task Validator_model_is_parsed_once_and_kept_on_the_snapshot()
    {
        var calls = 0;
        var plane = Create(new DelegateConfigValidator((payload, _) =>
        {
            Interlocked.Increment(ref calls);
            return ValueTask.FromResult(ConfigValidationResult.Valid(new StringBuilder(Encoding.UTF8.GetString(payload.Span))));
        }));

        await plane.ApplyAsync(Json("a", ConfigOrigin.ControlPlane), default);
        _ = plane.Current!.GetModel<StringBuilder>();
        _ = plane.Current!.GetModel<StringBuilder>();

        Assert.Equal(1, calls);
        Assert.Contains("\"a\"", plane.Current!.GetModel<StringBuilder>().ToString());
    }

    [Fact]
    public async Task Same_hash_does_nothing()
    {
        var plane = Create();
        await plane.ApplyAsync(Json("a", ConfigOrigin.ControlPlane), default);
        var served = plane.Current;
        var token = plane.GetChangeToken();

        var result = await plane.ApplyAsync(Json("a", ConfigOrigin.ControlPlane), default);

        Assert.Equal(ApplyOutcome.Unchanged, result.Outcome);
        Assert.Same(served, plane.Current);
        Assert.False(token.HasChanged);
        Assert.Single(_cache.SavedNames);
    }

    [Fact]
    public async Task Same_config_gzip_compressed_has_the_same_hash_and_does_nothing()
    {
        var plane = Create();
        await plane.ApplyAsync(Json("a", ConfigOrigin.ControlPlane), default);

        var result = await plane.ApplyAsync(new ConfigDocument(Gzip(Configs.Json("a")), ConfigFormat.Json, ConfigOrigin.ControlPlane), default);

        Assert.Equal(ApplyOutcome.Unchanged, result.Outcome);
    }

    [Fact]
    public async Task Change_token_and_waiters_fire_on_swap()
    {
        var plane = Create();
        var token = plane.GetChangeToken();
        var fired = 0;
        token.RegisterChangeCallback(_ => Interlocked.Increment(ref fired), null);
        var waiter = plane.WaitForChangeAsync(null, default).AsTask();
        Assert.False(waiter.IsCompleted);

        await plane.ApplyAsync(Json("a", ConfigOrigin.ControlPlane), default);

        Assert.Equal(1, fired);
        Assert.True(token.HasChanged);
        Assert.Equal("a", Configs.NameOf(await waiter.WaitAsync(TimeSpan.FromSeconds(5))));
        Assert.False(plane.GetChangeToken().HasChanged);
    }

    [Fact]
    public async Task Readers_taking_change_tokens_during_swaps_never_touch_a_disposed_source_and_every_token_fires_when_its_snapshot_is_replaced()
    {
        var plane = Create();
        await plane.ApplyAsync(Json("v0", ConfigOrigin.ControlPlane), default);
        using var writing = new CancellationTokenSource();
        var failures = new System.Collections.Concurrent.ConcurrentQueue<Exception>();
        using var running = new CountdownEvent(4);
        var readers = Enumerable.Range(0, 4).Select(reader => Task.Factory.StartNew(() =>
        {
            running.Signal();
            // Token first, then the snapshot: the token is that snapshot's or an older one, so it fires when the snapshot is replaced.
            var taken = new List<(Microsoft.Extensions.Primitives.IChangeToken Token, ConfigSnapshot? Snapshot)>();
            var fired = 0;
            while (!writing.IsCancellationRequested)
            {
                try
                {
                    var token = plane.GetChangeToken();
                    var snapshot = plane.Current;
                    using var registration = token.RegisterChangeCallback(_ => Interlocked.Increment(ref fired), null);
                    _ = token.HasChanged;
                    if (taken.Count < 20_000)
                    {
                        taken.Add((token, snapshot));
                    }
                }
                catch (Exception ex)
                {
                    failures.Enqueue(ex);
                }
            }

            return taken;
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default)).ToArray();
        Assert.True(running.Wait(TimeSpan.FromSeconds(30)), "the readers started");

        for (var i = 1; i <= 10_000; i++)
        {
            await plane.ApplyAsync(Json($"v{i}", ConfigOrigin.ControlPlane), default);
        }

        await writing.CancelAsync();
        var pairs = (await Task.WhenAll(readers)).SelectMany(t => t).ToList();

        Assert.Empty(failures);
        Assert.NotEmpty(pairs);
        var final = plane.Current;
        Assert.All(pairs.Where(p => !ReferenceEquals(p.Snapshot, final)), p => Assert.True(p.Token.HasChanged));
        Assert.False(plane.GetChangeToken().HasChanged);
    }

    [Fact]
    public async Task Thousand_concurrent_applies_end_with_the_newest_and_never_go_back()
    {
        const int Applies = 1000;
        const int Batch = 50;
        var gates = Enumerable.Range(0, Applies).Select(_ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).ToArray();
        var plane = Create(new DelegateConfigValidator(async (payload, _) =>
        {
            using var doc = System.Text.Json.JsonDocument.Parse(payload);
            await gates[int.Parse(doc.RootElement.GetProperty("name").GetString()!, System.Globalization.CultureInfo.InvariantCulture)].Task;
            return ConfigValidationResult.Valid();
        }));
        var swaps = new List<int>();
        using var stopWatcher = new CancellationTokenSource();
        var watcher = Task.Run(async () =>
        {
            ConfigSnapshot? seen = null;
            try
            {
                while (true)
                {
                    seen = await plane.WaitForChangeAsync(seen, stopWatcher.Token);
                    lock (swaps)
                    {
                        swaps.Add(int.Parse(Configs.NameOf(seen), System.Globalization.CultureInfo.InvariantCulture));
                    }
                }
            }
            catch (OperationCanceledException)
            {
            }
        });

        // All 1,000 are in flight at once (arrival order is call order); validation finishes in a seeded random
        // order inside each batch of 50, batch after batch. Each batch's newest is the newest released so far, so it
        // must be applied, and the watcher must see it: at least 20 swaps, always ascending.
        var applies = Enumerable.Range(0, Applies).Select(i => plane.ApplyAsync(Json(i.ToString(System.Globalization.CultureInfo.InvariantCulture), ConfigOrigin.ControlPlane), default).AsTask()).ToArray();
        var random = new Random(20261201);
        for (var start = 0; start < Applies; start += Batch)
        {
            foreach (var i in Enumerable.Range(start, Batch).OrderBy(_ => random.Next()))
            {
                gates[i].SetResult();
            }

            await Task.WhenAll(applies[start..(start + Batch)]).WaitAsync(TimeSpan.FromSeconds(30));
            var newest = start + Batch - 1;
            await Eventually.HoldsAsync(() => { lock (swaps) { return swaps.Contains(newest); } }, $"the watcher sees {newest}", TimeSpan.FromSeconds(30));
        }

        var results = await Task.WhenAll(applies).WaitAsync(TimeSpan.FromSeconds(30));
        await stopWatcher.CancelAsync();
        await watcher.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal("999", Configs.NameOf(plane.Current));
        Assert.Equal(ApplyOutcome.Applied, results[999].Outcome);
        Assert.All(results, r => Assert.True(r.Outcome is ApplyOutcome.Applied or ApplyOutcome.Superseded));
        var applied = Enumerable.Range(0, Applies).Where(i => results[i].Outcome == ApplyOutcome.Applied).ToHashSet();
        lock (swaps)
        {
            Assert.True(swaps.Count >= Applies / Batch, $"the watcher saw {swaps.Count} swaps");
            Assert.Equal(swaps.Order().Distinct(), swaps);
            Assert.All(swaps, s => Assert.Contains(s, applied));
        }

        Assert.Equal("999", _cache.SavedNames[^1]);
    }

    [Fact]
    public async Task Lower_tier_never_replaces_a_control_plane_config()
    {
        var plane = Create();
        await plane.ApplyAsync(Json("cp", ConfigOrigin.ControlPlane), default);

        var fromStore = await plane.ApplyAsync(Json("store", ConfigOrigin.FallbackStore), default);
        var fromYaml = await plane.ApplyAsync(Json("yaml", ConfigOrigin.Declarative), default);

        Assert.Equal(ApplyOutcome.Superseded, fromStore.Outcome);
        Assert.Equal(ApplyOutcome.Superseded, fromYaml.Outcome);
        Assert.Equal("cp", Configs.NameOf(plane.Current));
    }

    [Fact]
    public async Task Higher_tier_replaces_a_lower_one()
    {
        var plane = Create();
        await plane.ApplyAsync(Json("yaml", ConfigOrigin.Declarative), default);

        var result = await plane.ApplyAsync(Json("store", ConfigOrigin.FallbackStore), default);

        Assert.Equal(ApplyOutcome.Applied, result.Outcome);
        Assert.Equal(ConfigOrigin.FallbackStore, plane.State.ServingTier);
    }

    [Fact]
    public async Task Oversize_content_is_rejected()
    {
        var plane = Create(maxConfigBytes: 100);

        var result = await plane.ApplyAsync(new ConfigDocument(new byte[101], ConfigFormat.Json, ConfigOrigin.ControlPlane), default);

        Assert.Equal(RejectionReason.TooLarge, result.Reason);
    }

    [Fact]
    public async Task Gzip_bomb_stops_at_the_decompressed_limit()
    {
        var plane = Create(maxConfigBytes: 1024 * 1024, maxDecompressedBytes: 1024 * 1024);
        var bomb = Gzip(new byte[64 * 1024 * 1024]);
        Assert.True(bomb.Length < 1024 * 1024);

        var result = await plane.ApplyAsync(new ConfigDocument(bomb, ConfigFormat.Json, ConfigOrigin.ControlPlane), default);

        Assert.Equal(RejectionReason.TooLarge, result.Reason);
        Assert.Null(plane.Current);
    }

    [Fact]
    public async Task Truncated_gzip_is_rejected_as_bad_compression()
    {
        var plane = Create();
        var gz = Gzip(Configs.Json("a"));

        var result = await plane.ApplyAsync(new ConfigDocument(gz[..(gz.Length - 12)], ConfigFormat.Json, ConfigOrigin.ControlPlane), default);

        Assert.True(result.Reason is RejectionReason.BadCompression or RejectionReason.InvalidJson, result.ToString());
        Assert.Null(plane.Current);
    }

    [Theory]
    [InlineData("{\"a\":")]
    [InlineData("[1,2]")]
    [InlineData("not json")]
    [InlineData("{\"a\":1} trailing")]
    public async Task Malformed_json_is_rejected(string content)
    {
        var plane = Create();

        var result = await plane.ApplyAsync(new ConfigDocument(Encoding.UTF8.GetBytes(content), ConfigFormat.Json, ConfigOrigin.ControlPlane), default);

        Assert.Equal(RejectionReason.InvalidJson, result.Reason);
    }

    [Fact]
    public async Task Comments_and_trailing_commas_pass_as_appsettings_files_have_them_and_the_bytes_are_kept()
    {
        var plane = Create();
        var bytes = Encoding.UTF8.GetBytes("{ // YARP's own samples carry comments\n  \"name\": \"commented\", /* and */ \"routes\": [ { \"path\": \"/x\" }, ],\n}\n// the end");

        var result = await plane.ApplyAsync(new ConfigDocument(bytes, ConfigFormat.Json, ConfigOrigin.ControlPlane), default);

        Assert.Equal(ApplyOutcome.Applied, result.Outcome);
        Assert.Equal(ConfigHash.Compute(bytes), result.Hash);
        Assert.True(plane.Current!.Payload.Span.SequenceEqual(bytes));
        Assert.Equal(RejectionReason.InvalidJson, (await plane.ApplyAsync(new ConfigDocument(Encoding.UTF8.GetBytes("{ /* unterminated "), ConfigFormat.Json, ConfigOrigin.ControlPlane), default)).Reason);
    }

    [Fact]
    public async Task Claimed_hash_that_does_not_match_is_rejected()
    {
        var plane = Create();

        var result = await plane.ApplyAsync(new ConfigDocument(Configs.Json("a"), ConfigFormat.Json, ConfigOrigin.ControlPlane) { ExpectedHash = new string('0', 64) }, default);

        Assert.Equal(RejectionReason.HashMismatch, result.Reason);
    }

    [Fact]
    public async Task Rejections_are_counted_by_reason_in_metrics()
    {
        var plane = Create(new NameValidator(reject: "bad"));
        using var rejections = new MetricCollector<long>(plane.Metrics.Meter, "resilience.config.rejections");

        await plane.ApplyAsync(Json("bad", ConfigOrigin.FallbackStore), default);

        var measurement = Assert.Single(rejections.GetMeasurementSnapshot());
        Assert.Equal(1, measurement.Value);
        Assert.Equal("ValidatorRejected", measurement.Tags["reason"]);
        Assert.Equal("FallbackStore", measurement.Tags["origin"]);
    }

    [Fact]
    public async Task Cache_write_completes_even_when_the_caller_gives_up_after_the_swap()
    {
        using var caller = new CancellationTokenSource();
        var plane = Create(new DelegateConfigValidator((_, _) =>
        {
            // The caller (a link being stopped) cancels once the configuration is accepted.
            caller.Cancel();
            return ValueTask.FromResult(ConfigValidationResult.Valid());
        }));

        var result = await plane.ApplyAsync(Json("a", ConfigOrigin.ControlPlane), caller.Token);

        Assert.Equal(ApplyOutcome.Applied, result.Outcome);
        Assert.Equal(["a"], _cache.SavedNames);
    }

    [Fact]
    public async Task Cache_write_failure_keeps_serving_and_is_counted()
    {
        _cache.FailWrites = true;
        var plane = Create();
        using var failures = new MetricCollector<long>(plane.Metrics.Meter, "resilience.cache.write_failures");

        var result = await plane.ApplyAsync(Json("a", ConfigOrigin.ControlPlane), default);

        Assert.Equal(ApplyOutcome.Applied, result.Outcome);
        Assert.Equal("a", Configs.NameOf(plane.Current));
        Assert.Equal(1, Assert.Single(failures.GetMeasurementSnapshot()).Value);
    }

    public void Dispose()
    {
        foreach (var plane in _created)
        {
            plane.Dispose();
        }
    }

    private static ConfigDocument Json(string name, ConfigOrigin origin) => new(Configs.Json(name), ConfigFormat.Json, origin);

    private static byte[] Gzip(byte[] content)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Optimal))
        {
            gzip.Write(content);
        }

        return output.ToArray();
    }

    private DataPlane Create(IDataPlaneConfigValidator? validator = null, long maxConfigBytes = 1 << 20, long maxDecompressedBytes = 1 << 24)
    {
        var options = Options.Create(new DataPlaneResilienceOptions { NodeId = "test-node", NodeVersion = "1.0.0" });
        var plane = new DataPlane(
            new ConfigPreparer(maxConfigBytes, maxDecompressedBytes, new DeclarativeConfigOptions()),
            validator ?? new JsonOnlyConfigValidator(),
            _cache,
            new NodeIdentityProvider(options),
            TimeProvider.System,
            NullLogger<DataPlane>.Instance,
            meterFactory: null);
        _created.Add(plane);
        return plane;
    }

    private sealed class NameValidator(string reject) : IDataPlaneConfigValidator
    {
        public ValueTask<ConfigValidationResult> ValidateAsync(ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
        {
            using var doc = System.Text.Json.JsonDocument.Parse(payload);
            var name = doc.RootElement.GetProperty("name").GetString();
            return ValueTask.FromResult(name == reject ? ConfigValidationResult.Invalid($"name '{name}' is not allowed") : ConfigValidationResult.Valid());
        }
    }

    private sealed class RecordingCache : IConfigCache
    {
        public List<string> SavedNames { get; } = [];

        public bool FailWrites { get; set; }

        public string Description => "memory";

        public ValueTask<ConfigDocument?> LoadAsync(CancellationToken cancellationToken) => ValueTask.FromResult<ConfigDocument?>(null);

        public ValueTask SaveAsync(ConfigSnapshot snapshot, CancellationToken cancellationToken)
        {
            if (FailWrites)
            {
                throw new IOException("disk full");
            }

            lock (SavedNames)
            {
                SavedNames.Add(Configs.NameOf(snapshot));
            }

            return ValueTask.CompletedTask;
        }

        public ValueTask ClearAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;
    }
}
