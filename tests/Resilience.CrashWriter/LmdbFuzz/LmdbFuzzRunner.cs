using Microsoft.Extensions.Logging;
using Resilience;

/// <summary>
/// The child side of the LMDB mutation fuzz: opens damaged copies of a data file, one seed after another, in this
/// process, the way a node does at start (load, save, load). It prints <c>begin &lt;seed&gt;</c> before a case and
/// <c>end &lt;seed&gt; &lt;outcome&gt;</c> after it, so when LMDB kills the process the parent knows the exact seed.
/// </summary>
public static class LmdbFuzzRunner
{
    /// <summary>Runs seeds <paramref name="first"/> .. <paramref name="first"/> + <paramref name="count"/> - 1 over <paramref name="baseFile"/>.</summary>
    public static async Task<int> RunAsync(string baseFile, string workDirectory, int first, int count)
    {
        var original = await File.ReadAllBytesAsync(baseFile);
        for (var seed = first; seed < first + count; seed++)
        {
            Console.WriteLine($"begin {seed}");
            Console.Out.Flush();
            var mutated = LmdbMutation.FromSeed(original, seed).Apply(original);
            var outcome = await OpenAsync(Prepare(workDirectory, mutated));
            Console.WriteLine($"end {seed} {outcome}");
        }

        Console.WriteLine("done");
        return 0;
    }

    /// <summary>Opens one directory as a node would and prints the outcome.</summary>
    public static async Task<int> OpenOneAsync(string directory)
    {
        Console.WriteLine($"end {await OpenAsync(directory)}");
        return 0;
    }

    /// <summary>Writes <paramref name="dataFile"/> as the only file of a fresh cache directory under <paramref name="workDirectory"/>.</summary>
    public static string Prepare(string workDirectory, byte[] dataFile)
    {
        var run = Path.Combine(workDirectory, "run");
        if (Directory.Exists(run))
        {
            Directory.Delete(run, recursive: true);
        }

        var directory = Path.Combine(run, "dbless.lmdb");
        Directory.CreateDirectory(directory);
        File.WriteAllBytes(Path.Combine(directory, "data.mdb"), dataFile);
        return directory;
    }

    private static async Task<string> OpenAsync(string directory)
    {
        var events = new EventIds();
        var steps = new List<string>();
        using (var cache = new LmdbConfigCache(directory, new LmdbConfigCacheOptions(), 1L << 20, null, TimeProvider.System, events))
        {
            try
            {
                var loaded = await cache.LoadAsync(CancellationToken.None);
                steps.Add(loaded is null ? "load:none" : "load:config");
            }
            catch (Exception ex)
            {
                // A load must never throw: the parent counts this as a failure of the cache.
                steps.Add($"load-threw:{ex.GetType().Name}");
            }

            var payload = CrashWriterConfigs.Small;
            try
            {
                await cache.SaveAsync(new ConfigSnapshot(payload, ConfigHash.Compute(payload), ConfigOrigin.ControlPlane, DateTimeOffset.UnixEpoch), CancellationToken.None);
                steps.Add("save:ok");
            }
            catch (Exception ex)
            {
                steps.Add($"save-failed:{ex.GetType().Name}");
                events.Notes.Add($"save: {(ex is LightningDB.LightningException ? LmdbFailure.Describe(ex) : ex.Message)}");
            }

            try
            {
                var reloaded = await cache.LoadAsync(CancellationToken.None);
                steps.Add(reloaded is null ? "reload:none" : "reload:config");
            }
            catch (Exception ex)
            {
                steps.Add($"reload-threw:{ex.GetType().Name}");
            }
        }

        var movedAside = Directory.GetDirectories(Path.GetDirectoryName(directory)!, "dbless.lmdb.corrupt-*").Length;
        return $"{string.Join(',', steps)} moved-aside:{movedAside} events:{string.Join('/', events.Ids)} {string.Join(" | ", events.Notes)}".TrimEnd();
    }

    /// <summary>Collects the event ids the cache logs.</summary>
    private sealed class EventIds : ILogger
    {
        public List<int> Ids { get; } = [];

        /// <summary>Why the cache gave up on an entry or a write (for rare outcomes, read by hand).</summary>
        public List<string> Notes { get; } = [];

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (eventId.Id != 0)
            {
                Ids.Add(eventId.Id);
            }

            if (eventId.Id is 2102 or 2104 or 2105 or 2108)
            {
                Notes.Add($"{eventId.Id}: {formatter(state, exception)}");
            }
        }
    }
}
