namespace Resilience.Packaging.Tests;

/// <summary>The tests that use the packed libraries share one pack (minutes) and run one after the other.</summary>
[CollectionDefinition(Name)]
public sealed class PackedCollection : ICollectionFixture<PackedLibraries>
{
    public const string Name = "packed libraries";
}
