using System.Text;

namespace Resilience.Tests.FallbackStore;

public sealed class ConfigExportServiceTests
{
    [Fact]
    public async Task A_node_with_export_off_never_registers_or_uploads()
    {
        var root = Path.Combine(Path.GetTempPath(), "resilience-export-off-" + Guid.NewGuid().ToString("N"));
        var storage = new Uri(root).AbsoluteUri;
        var link = new ScriptedControlPlaneLink();
        await using (var node = await TestNode.StartAsync(new TestNodeSettings { NodeId = "importer", Storage = storage, Import = true, Link = link }))
        {
            await link.PushAsync(Encoding.UTF8.GetBytes("{\"routes\":[]}"));
            await node.WaitForStartupAsync();

            Assert.False(node.IsExporterLeader);
        }

        Assert.False(Directory.Exists(root) && Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories).Any());
    }

    [Fact]
    public async Task A_backup_node_exports_what_the_control_plane_pushes_but_not_its_yaml()
    {
        var root = Path.Combine(Path.GetTempPath(), "resilience-export-on-" + Guid.NewGuid().ToString("N"));
        var store = new CountingFallbackStore(new FileFallbackStore(root));
        var key = FallbackStoreKeys.Config(FallbackStoreBehaviourConstants.Version);
        var registration = FallbackStoreKeys.Election(FallbackStoreBehaviourConstants.Version, "backup");
        var link = new ScriptedControlPlaneLink(startDisconnected: true);
        try
        {
            await using var node = await TestNode.StartAsync(new TestNodeSettings
            {
                NodeId = "backup", Storage = new Uri(root).AbsoluteUri, Store = store, Export = true, Yaml = "routes:\n  - yaml\n", Link = link,
                ElectionInterval = TimeSpan.FromMilliseconds(200), ElectionGrace = TimeSpan.FromMilliseconds(500),
            });
            await node.WaitForStartupAsync();
            Assert.Equal(ConfigOrigin.Declarative, node.DataPlane.Current?.Origin);
            await Eventually.HoldsAsync(() => node.IsExporterLeader, "the backup node leads the export", TimeSpan.FromSeconds(20));
            var rounds = store.PutCount(registration);
            await Eventually.HoldsAsync(() => store.PutCount(registration) >= rounds + 2, "two more rounds as the leader", TimeSpan.FromSeconds(20));
            Assert.Null(await store.GetAsync(key, 1024, CancellationToken.None));

            var pushed = Encoding.UTF8.GetBytes("{\"routes\":[\"from-cp\"]}");
            await link.PushAsync(pushed);
            await Eventually.HoldsAsync(() => store.PutCount(key) == 1, "the pushed config is exported", TimeSpan.FromSeconds(20));

            var stored = await store.GetAsync(key, 1024, CancellationToken.None);
            Assert.Equal(pushed, stored!.Content.ToArray());
            Assert.Equal("backup", stored.Metadata[FallbackImporter.ExporterMetadataKey]);
            Assert.Equal(ConfigHash.Compute(pushed), stored.Metadata["config-hash"]);
        }
        finally
        {
            if (Directory.Exists(root))
            {
                Directory.Delete(root, recursive: true);
            }
        }
    }
}
