namespace Resilience.Cache.Lmdb.Tests;

/// <summary>Tests that load the CPU for seconds (crash loop, concurrency) run alone, not beside each other.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TimingSensitive
{
    public const string Name = "Timing-sensitive";
}
