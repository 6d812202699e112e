using System.Text;
using Resilience.Tests.FallbackStore;

namespace Resilience.Storage.S3.Tests;

public sealed class RepeatedImportTests(S3rverFixture fixture) : IClassFixture<S3rverFixture>
{
    [Fact]
    public async Task Every_new_node_boots_from_the_latest_export()
    {
        var storage = fixture.NewStorageUri();
        var link = new ScriptedControlPlaneLink();
        await using var leader = await TestNode.StartAsync(new TestNodeSettings
        {
            NodeId = "leader", Storage = storage, Export = true, Link = link, UseStore = fixture.UseStore,
            ElectionInterval = TimeSpan.FromMilliseconds(200),
        });
        for (var revision = 1; revision <= 25; revision++)
        {
            var result = await link.PushAsync(Encoding.UTF8.GetBytes($"{{\"revision\":{revision}}}"));
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            await leader.Exporter!.WaitForStatusAsync(s => s.StoredHash == result.Hash, timeout.Token);

            await using var node = await TestNode.StartAsync(new TestNodeSettings
            {
                NodeId = $"new-{revision}", Storage = storage, Import = true, Link = new UnreachableControlPlaneLink(), UseStore = fixture.UseStore,
            });
            await node.WaitForStartupAsync();

            Assert.True(node.DataPlane.Current?.Hash == result.Hash, $"revision {revision}: serving {node.DataPlane.Current?.Origin} {node.DataPlane.Current?.Hash}, last apply {node.DataPlane.State.LastApplyResult}");
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
