using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Resilience.Tests.FallbackStore;

namespace Resilience.Storage.S3.Tests;

public sealed class RepeatedImportTests(S3rverFixture fixture) : IClassFixture<S3rverFixture>
{
    [Fact]
    public async Task Every_new_node_boots_from_the_latest_export()
    {
        var storage = fixture.NewStorageUri();
        var link = new ScriptedControlPlaneLink();
        var store = fixture.CreateStore(storage);
        var configKey = FallbackStoreKeys.Config(FallbackStoreBehaviourConstants.Version);
        await using var leader = await TestNode.StartAsync(new TestNodeSettings
        {
            NodeId = "leader", Storage = storage, Export = true, Link = link,
            // Start-up refuses a grace shorter than the store's retry budget: a short budget for a short grace.
            UseStore = b => b.UseS3FallbackStore(o =>
            {
                fixture.Configure(o);
                o.AttemptTimeout = TimeSpan.FromSeconds(1);
                o.TotalTimeout = TimeSpan.FromSeconds(2);
            }),
            ElectionInterval = TimeSpan.FromMilliseconds(200),
            ElectionGrace = TimeSpan.FromSeconds(3),
        });
        for (var revision = 1; revision <= 25; revision++)
        {
            var result = await link.PushAsync(Encoding.UTF8.GetBytes($"{{\"revision\":{revision}}}"));
            await Eventually.HoldsAsync(
                async () => await ExportedHashAsync(store, configKey) == result.Hash,
                $"revision {revision} is exported",
                TimeSpan.FromSeconds(20));

            await using var node = await TestNode.StartAsync(new TestNodeSettings
            {
                NodeId = $"new-{revision}", Storage = storage, Import = true, Link = new UnreachableControlPlaneLink(), UseStore = fixture.UseStore,
            });
            await node.WaitForStartupAsync();

            Assert.True(node.DataPlane.Current?.Hash == result.Hash, $"revision {revision}: serving {node.DataPlane.Current?.Origin} {node.DataPlane.Current?.Hash}, last apply {node.DataPlane.State.LastApplyResult}");
        }
    }

    /// <summary>
    /// The hash of the exported config, or null while there is none. s3rver overwrites an object's file and its
    /// metadata in two steps, so a read that races the leader's upload can get an ETag the AWS SDK refuses to parse
    /// (a failed read, as a node's import would see it and retry); that is "not exported yet" for this poll.
    /// </summary>
    private static async Task<string?> ExportedHashAsync(IFallbackStore store, string key)
    {
        try
        {
            return await store.GetAsync(key, 1 << 20, CancellationToken.None) is { } stored ? ConfigHash.Compute(stored.Content.Span) : null;
        }
        catch (FallbackStoreException)
        {
            return null;
        }
    }
}

public sealed class S3ClientIsolationTests(S3rverFixture fixture) : IClassFixture<S3rverFixture>
{
    [Fact]
    public async Task Disposing_one_store_does_not_break_another()
    {
        var storage = fixture.NewStorageUri();
        var first = fixture.CreateStore(storage);
        var second = fixture.CreateStore(storage);
        await first.PutAsync("k", "{}"u8.ToArray(), new Dictionary<string, string>(), CancellationToken.None);
        await second.GetAsync("k", 1024, CancellationToken.None);

        ((IDisposable)first).Dispose();

        Assert.NotNull(await second.GetAsync("k", 1024, CancellationToken.None));
    }
}
