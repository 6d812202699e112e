using Xunit.Abstractions;

namespace Resilience.Cache.Lmdb.Tests;

/// <summary>
/// Seeded mutation fuzz of the LMDB pre-check: damaged copies of a real data file are opened as a node opens its cache
/// (load, save, load) in child processes. No damage may kill the process (liblmdb 0.9 dies with SIGSEGV/SIGBUS on
/// pages it trusts), and no load may throw. CI runs 1,000 mutations per format; set RESILIENCE_LMDB_FUZZ_MUTATIONS
/// for the long run (docs/operations.md has its figures).
/// </summary>
[Collection(TimingSensitive.Name)]
public sealed class LmdbFuzzTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Theory]
    [InlineData(FuzzBaseFiles.Small)]
    [InlineData(FuzzBaseFiles.Overflow)]
    public async Task No_mutation_of_the_data_file_kills_the_node(string format)
    {
        var count = int.TryParse(Environment.GetEnvironmentVariable("RESILIENCE_LMDB_FUZZ_MUTATIONS"), out var n) ? n : 1000;
        var first = int.TryParse(Environment.GetEnvironmentVariable("RESILIENCE_LMDB_FUZZ_FIRST_SEED"), out var f) ? f : 0;
        var original = await FuzzBaseFiles.CreateAsync(_temp.Path, format);
        var baseFile = _temp.Combine($"{format}.mdb");
        await File.WriteAllBytesAsync(baseFile, original);

        var run = await FuzzChild.RunAsync(baseFile, _temp.Combine("work"), first, count);

        foreach (var death in run.Deaths)
        {
            output.WriteLine($"death at seed {death.Seed} ({death.How}): {(death.Seed >= 0 ? LmdbMutation.FromSeed(original, death.Seed).ToString() : "")}");
        }

        var summary = run.Outcomes
            .Select(line => line.Split(' ', 3)[2])
            .Select(outcome => outcome[..outcome.IndexOf(" events:", StringComparison.Ordinal)])
            .GroupBy(outcome => outcome)
            .OrderByDescending(g => g.Count());
        output.WriteLine($"{format}: {count} mutations from seed {first}, {run.Deaths.Count} process deaths");
        foreach (var group in summary)
        {
            output.WriteLine($"  {group.Count(),6}  {group.Key}");
        }

        // The rare outcomes in full (seed, steps, event ids), to look at by hand.
        foreach (var line in run.Outcomes.GroupBy(l => l.Split(' ', 3)[2].Split(" events:")[0]).Where(g => g.Count() <= 5).SelectMany(g => g))
        {
            output.WriteLine($"  rare: {line}");
        }

        Assert.Empty(run.Deaths);
        Assert.Equal(count, run.Outcomes.Count);
        Assert.DoesNotContain(run.Outcomes, line => line.Contains("threw", StringComparison.Ordinal));
    }
}
