using System.Text;
using Resilience.Tests.History;
using Xunit.Abstractions;
using static Resilience.Tests.History.HistoryPlanes;

namespace Resilience.Tests.Fuzzing;

/// <summary>
/// Mutated history indexes and payloads, and hostile rollback requests: the history drops what is damaged, a rollback
/// serves exactly the configuration it names or nothing, and nothing throws.
/// </summary>
public sealed class HistoryFuzzTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempDirectory _dir = new();

    [Fact]
    public async Task Mutated_indexes_decode_whole_or_not_at_all()
    {
        var corpus = await RealIndexesAsync();
        var (iterations, failures) = await Mutator.RunAsync(new Mutator([.. corpus]), 3000, (input, _) =>
        {
            try
            {
                var index = HistoryIndexFormat.Decode(input);
                Assert.All(index.Entries, e => Assert.True(HistoryIndexFormat.IsHash(e.Hash)));
                Assert.All(index.Refused, r => Assert.True(HistoryIndexFormat.IsHash(r.FromHash) && HistoryIndexFormat.IsHash(r.ToHash)));
            }
            catch (InvalidDataException)
            {
            }

            return Task.CompletedTask;
        });

        FuzzHarness.Report(output, "history index (decode)", iterations, failures);
    }

    [Fact]
    public async Task A_node_over_mutated_history_files_serves_only_what_an_entry_names_and_never_throws()
    {
        var corpus = await RealIndexesAsync();
        var index = _dir.Combine("data", "history", "index.json");
        var payloads = Directory.GetFiles(_dir.Combine("data", "history"), "*.json.gz");
        var originals = payloads.ToDictionary(p => p, File.ReadAllBytes);
        var payloadMutator = new Mutator([.. originals.Values]);

        var (iterations, failures) = await Mutator.RunAsync(new Mutator([.. corpus]), 300, async (input, random) =>
        {
            await File.WriteAllBytesAsync(index, random.Next(3) == 0 ? corpus[random.Next(corpus.Count)] : input);
            foreach (var (path, bytes) in originals)
            {
                await File.WriteAllBytesAsync(path, random.Next(2) == 0 ? payloadMutator.Mutate(random) : bytes);
            }

            using var plane = Plane(FileCache(_dir), depth: 5);
            await plane.LoadHistoryAsync();
            await FuzzHarness.ApplyAsync(plane, Push("fuzz-base"));
            foreach (var entry in plane.History.ToArray())
            {
                var result = await plane.RollbackAsync(entry.Hash, "fuzz", "fuzz", default);
                if (result.Outcome == ApplyOutcome.Applied && plane.Current!.Hash != entry.Hash)
                {
                    throw new InvalidOperationException($"a rollback to {entry.Hash} serves {plane.Current.Hash}");
                }

                if (result.Outcome == ApplyOutcome.Rejected && result.Reason is RejectionReason.PipelineFailed)
                {
                    throw new InvalidOperationException($"a rollback failed unexpectedly: {string.Join("; ", result.Errors)}");
                }
            }

            // Whatever was read, the next restart finds a history it can use (the damaged entries were dropped).
            Directory.CreateDirectory(Path.GetDirectoryName(index)!);
        });

        FuzzHarness.Report(output, "history files (index and payloads)", iterations, failures);
    }

    [Fact]
    public async Task Hostile_rollback_requests_are_refused_with_a_reason_and_never_throw()
    {
        using var plane = Plane(_dir);
        await plane.ApplyAsync(Push("a"), default);
        await plane.ApplyAsync(Push("b"), default);
        var texts = new[] { Hash("a"), Hash("b"), "", " ", new string('f', 64), new string('F', 64), "../history/index", "\0", new string('x', 100_000), "ä\u0301\uD800", Hash("a") + "\n" };
        var corpus = texts.Select(Encoding.UTF8.GetBytes).ToArray();

        var (iterations, failures) = await Mutator.RunAsync(new Mutator(corpus), 1500, async (input, random) =>
        {
            var hash = Encoding.UTF8.GetString(input);
            var reason = random.Next(4) == 0 ? null : Encoding.UTF8.GetString(new Mutator(corpus).Mutate(random));
            var result = await plane.RollbackAsync(hash, reason, random.Next(2) == 0 ? null : hash, default);
            if (result.Outcome == ApplyOutcome.Rejected && result.Errors.Count == 0)
            {
                throw new InvalidOperationException("a refusal without a reason");
            }

            if (result.Outcome is ApplyOutcome.Applied or ApplyOutcome.Unchanged && !string.Equals(plane.Current!.Hash, hash.Trim(), StringComparison.OrdinalIgnoreCase))
            {
                throw new InvalidOperationException($"asked for '{hash}', serves {plane.Current.Hash}");
            }

            if (plane.State.Rollback is { } standing && (standing.Reason?.Length > 512 || standing.Actor?.Length > 512))
            {
                throw new InvalidOperationException("a caller's text was kept unbounded");
            }
        });

        FuzzHarness.Report(output, "rollback requests", iterations, failures);
    }

    public void Dispose() => _dir.Dispose();

    /// <summary>Real indexes written by a node that applied, rolled back and reverted: the corpus.</summary>
    private async Task<List<byte[]>> RealIndexesAsync()
    {
        var indexes = new List<byte[]>();
        using var plane = Plane(_dir, depth: 5);
        var path = _dir.Combine("data", "history", "index.json");
        foreach (var step in new[] { "a", "b", "c", "<a", "d", "<c", "e" })
        {
            if (step.StartsWith('<'))
            {
                await plane.RollbackAsync(Hash(step[1..]), "fuzz corpus", "admin:fuzz", default);
            }
            else
            {
                await plane.ApplyAsync(Push(step), default);
            }

            indexes.Add(await File.ReadAllBytesAsync(path));
        }

        return indexes;
    }
}
