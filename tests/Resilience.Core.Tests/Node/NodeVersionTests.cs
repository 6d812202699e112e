using Microsoft.Extensions.Options;

namespace Resilience.Tests.Node;

/// <summary>One rule for every node version: build metadata (<c>+...</c>) is dropped, configured or default.</summary>
public sealed class NodeVersionTests
{
    [Theory]
    [InlineData("3.6.1+build.7", "3.6.1")]
    [InlineData(" 3.6.1+abc123 ", "3.6.1")]
    [InlineData("3.6.1", "3.6.1")]
    [InlineData("3.6.1-rc.1+build.7", "3.6.1-rc.1")]
    public void Explicit_version_follows_the_same_rule_as_the_default(string configured, string expected)
    {
        var identity = new NodeIdentityProvider(Options.Create(new DataPlaneResilienceOptions { NodeId = "n", NodeVersion = configured })).Identity;

        Assert.Equal(expected, identity.Version);
        Assert.Equal($"{expected}/config.json", FallbackStoreKeys.Config(identity.Version));
    }

    [Fact]
    public void Explicit_and_default_versions_with_build_metadata_share_their_store_key()
    {
        var explicitKey = FallbackStoreKeys.Config(new NodeIdentityProvider(Options.Create(new DataPlaneResilienceOptions { NodeId = "n", NodeVersion = "3.6.1+build.7" })).Identity.Version);

        // The default version is the entry assembly's informational version run through the same rule.
        Assert.Equal(FallbackStoreKeys.Config(NodeIdentityProvider.Normalize("3.6.1+0123abcd")), explicitKey);
        Assert.DoesNotContain('+', NodeIdentityProvider.DefaultVersion());
    }
}
