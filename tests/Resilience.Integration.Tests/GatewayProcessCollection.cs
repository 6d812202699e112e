namespace Resilience.Integration.Tests;

/// <summary>
/// The test classes that start sample gateway processes run one after another: each process JIT-compiles a web host on
/// a 2-core machine shared with other builds, and several starting at once pushed start-up past its deadline.
/// </summary>
[CollectionDefinition(Name)]
public sealed class GatewayProcessCollection
{
    public const string Name = "sample gateway processes";
}
