using Microsoft.Extensions.Logging.Abstractions;
using Xunit.Abstractions;

namespace Resilience.Tests.Fuzzing;

/// <summary>
/// Mutated <c>config.json.gz</c> files (the gzip bytes, or the envelope inside them re-compressed): the cache loads a
/// whole entry or none, the pipeline takes whatever it returns without an exception, and a payload that is not the one
/// its header names (an intact gzip around an altered envelope) is refused by the pipeline (its hash check, or an earlier step), never served.
/// </summary>
public sealed class FileCacheFuzzTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempDirectory _dir = new();

    [Fact]
    public async Task Mutated_cache_files_load_whole_or_not_at_all_and_never_throw()
    {
        var path = _dir.Combine("config.json.gz");
        var cache = new FileConfigCache(path, 1 << 20, 1 << 20, TimeProvider.System, NullLogger.Instance);
        var files = new List<byte[]>();
        var envelopes = new List<byte[]>();
        foreach (var name in new[] { "a", "bb", "a-much-longer-name-with-more-routes" })
        {
            await cache.SaveAsync(new ConfigSnapshot(Configs.Json(name), ConfigHash.Compute(Configs.Json(name)), ConfigOrigin.ControlPlane, DateTimeOffset.UnixEpoch) { Version = "v1", Signature = "sig" }, default);
            var file = await File.ReadAllBytesAsync(path);
            files.Add(file);
            envelopes.Add(BoundedGzip.Decompress(file, 1 << 20));
        }

        var gzipMutator = new Mutator([.. files]);
        var envelopeMutator = new Mutator([.. envelopes]);
        using var plane = FuzzHarness.Plane();

        var (iterations, failures) = await Mutator.RunAsync(gzipMutator, 1500, async (input, random) =>
        {
            var bytes = random.Next(2) == 0 ? input : BoundedGzip.Compress(envelopeMutator.Mutate(random));
            await File.WriteAllBytesAsync(path, bytes);
            var loaded = await cache.LoadAsync(default);
            if (loaded is null)
            {
                return;
            }

            var result = await FuzzHarness.ApplyAsync(plane, loaded);
            if (ConfigHash.Compute(loaded.Content.Span) != loaded.ExpectedHash && result.Outcome != ApplyOutcome.Rejected)
            {
                throw new InvalidOperationException($"a payload that does not match its header's hash was not refused ({result.Outcome})");
            }
        });

        FuzzHarness.Report(output, "file cache (gzip + envelope)", iterations, failures);
    }

    public void Dispose() => _dir.Dispose();
}
