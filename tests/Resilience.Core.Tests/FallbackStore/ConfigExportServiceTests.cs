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

            Assert.Null(node.Exporter);
        }

        Assert.False(Directory.Exists(root) && Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories).Any());
    }

    [Fact]
    public async Task A_backup_node_exports_what_the_control_plane_pushes_but_not_its_yaml()
    {
        var root = Path.Combine(Path.GetTempPath(), "resilience-export-on-" + Guid.NewGuid().ToString("N"));
        var store = new FileFallbackStore(root);
        var key = FallbackStoreKeys.Config(FallbackStoreBehaviourConstants.Version);
        var link = new ScriptedControlPlaneLink(startDisconnected: true);
        try
        {
            await using var node = await TestNode.StartAsync(new TestNodeSettings
            {
                NodeId = "backup", Storage = new Uri(root).AbsoluteUri, Export = true, Yaml = "routes:\n  - yaml\n", Link = link,
                ElectionInterval = TimeSpan.FromMilliseconds(200), ElectionGrace = TimeSpan.FromMilliseconds(500),
            });
            await node.WaitForStartupAsync();
            Assert.Equal(ConfigOrigin.Declarative, node.DataPlane.Current?.Origin);
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            var leading = await node.Exporter!.WaitForStatusAsync(s => s.IsLeader, timeout.Token);
            await node.Exporter.WaitForStatusAsync(s => s.Rounds >= leading.Rounds + 2, timeout.Token);
            Assert.Null(await store.GetAsync(key, 1024, CancellationToken.None));

            var pushed = Encoding.UTF8.GetBytes("{\"routes\":[\"from-cp\"]}");
            await link.PushAsync(pushed);
            await node.Exporter.WaitForStatusAsync(s => s.Exports == 1, timeout.Token);

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
