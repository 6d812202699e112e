using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging.Testing;

namespace Resilience.Tests.ReadOnly;

/// <summary>
/// A data directory on a real tmpfs the test remounts read-only (a disk the kernel remounted after I/O errors):
/// start-up never fails for a file the node only wants to write, what can be read is served, and state and health
/// say what is not being written.
/// </summary>
public sealed class ReadOnlyDataDirectoryTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly TmpfsMount _disk = TmpfsMount.Create();

    private string DataDirectory => _disk.Combine("data");

    [Fact]
    public async Task New_node_on_a_read_only_data_directory_starts_with_an_in_memory_node_id_and_serves_its_yaml()
    {
        Directory.CreateDirectory(DataDirectory);
        _disk.RemountReadOnly();
        var yaml = _dir.Combine("fallback.yaml");
        await File.WriteAllTextAsync(yaml, Configs.Yaml("from-yaml"));

        await using var node = await StartAsync(yaml);

        Assert.Equal(ConfigOrigin.Declarative, node.DataPlane.State.ServingTier);
        Assert.Equal("from-yaml", Configs.NameOf(node.DataPlane.Current));
        var identity = node.Services.GetRequiredService<DataPlane>().Node;
        Assert.False(identity.IsPersisted);
        Assert.Matches("^[0-9a-f]{32}$", identity.NodeId);
        Assert.False(File.Exists(Path.Combine(DataDirectory, "node-id")));

        var unwritten = node.DataPlane.State.UnwrittenFiles;
        Assert.Equal([LocalWriteStatus.Cache, LocalWriteStatus.NodeId], unwritten.Select(f => f.Name).ToArray());
        Assert.Contains("Read-only file system", unwritten.Single(f => f.Name == LocalWriteStatus.NodeId).Reason);
        Assert.Contains("changes on restart", unwritten.Single(f => f.Name == LocalWriteStatus.NodeId).Reason);
        var logs = Logs(node);
        Assert.Contains(logs, r => r.Id.Id == 1040 && r.Message.Contains(identity.NodeId, StringComparison.Ordinal));
        Assert.Contains(logs, r => r.Id.Id == 2004);

        // A served configuration that cannot be cached: still served, logged, and the state keeps saying so.
        var manual = await node.DataPlane.ApplyManualAsync(Configs.Json("manual"), ConfigFormat.Json, default);
        Assert.Equal(ApplyOutcome.Applied, manual.Outcome);
        Assert.Equal("manual", Configs.NameOf(node.DataPlane.Current));
        Assert.Contains(Logs(node), r => r.Id.Id == 2001);
        Assert.Contains(LocalWriteStatus.Cache, node.DataPlane.State.UnwrittenFiles.Select(f => f.Name));

        var health = await node.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync();
        Assert.Equal(HealthStatus.Degraded, health.Status);
        var entry = health.Entries["data-plane"];
        Assert.Contains("cache is not being written", entry.Description);
        Assert.Contains("node-id is not being written", entry.Description);
        Assert.Equal("cache, node-id", entry.Data["unwritten_files"]);
    }

    [Fact]
    public async Task Restart_on_a_read_only_disk_serves_the_cached_file_keeps_the_node_id_and_recovers_when_the_disk_comes_back()
    {
        string nodeId;
        await using (var first = await StartAsync(null))
        {
            await first.DataPlane.ApplyManualAsync(Configs.Json("cached"), ConfigFormat.Json, default);
            nodeId = first.Services.GetRequiredService<DataPlane>().Node.NodeId;
            Assert.Empty(first.DataPlane.State.UnwrittenFiles);
        }

        _disk.RemountReadOnly();
        await using var restarted = await StartAsync(null);

        Assert.Equal(ConfigOrigin.Cache, restarted.DataPlane.State.ServingTier);
        Assert.Equal("cached", Configs.NameOf(restarted.DataPlane.Current));
        Assert.Equal(nodeId, restarted.Services.GetRequiredService<DataPlane>().Node.NodeId);
        Assert.True(restarted.Services.GetRequiredService<DataPlane>().Node.IsPersisted);
        var cache = Assert.Single(restarted.DataPlane.State.UnwrittenFiles);
        Assert.Equal(LocalWriteStatus.Cache, cache.Name);
        Assert.Equal(Path.Combine(DataDirectory, "config.json.gz"), cache.Path);

        // The disk comes back: the next write succeeds and the state clears.
        _disk.RemountReadWrite();
        await restarted.DataPlane.ApplyManualAsync(Configs.Json("after"), ConfigFormat.Json, default);
        Assert.Empty(restarted.DataPlane.State.UnwrittenFiles);
        await using var again = await StartAsync(null);
        Assert.Equal("after", Configs.NameOf(again.DataPlane.Current));
    }

    [Fact]
    public async Task A_licence_received_on_a_read_only_disk_is_held_and_reported_as_not_written()
    {
        await using var node = await StartAsync(null);
        _disk.RemountReadOnly();
        var license = LicenseDocument.Create("acme", DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddDays(1));

        var accepted = await node.Services.GetRequiredService<LicenseMonitor>().AcceptFromControlPlaneAsync(license.Payload, license.Signature, default);

        Assert.True(accepted);
        Assert.Equal("acme", node.DataPlane.State.License?.Subject);
        Assert.Contains(Logs(node), r => r.Id.Id == 5303);
        var file = Assert.Single(node.DataPlane.State.UnwrittenFiles, f => f.Name == LocalWriteStatus.License);
        Assert.Equal(Path.Combine(DataDirectory, "license.json"), file.Path);
        Assert.False(File.Exists(file.Path));
    }

    public void Dispose()
    {
        _disk.Dispose();
        _dir.Dispose();
    }

    private static IReadOnlyList<FakeLogRecord> Logs(ChainNode node) => node.Services.GetFakeLogCollector().GetSnapshot();

    private Task<ChainNode> StartAsync(string? yaml)
    {
        var settings = ChainNode.Settings(_dir, yaml);
        settings["Resilience:DataDirectory"] = DataDirectory;
        return ChainNode.StartAsync(settings, services: s =>
        {
            s.AddFakeLogging();
            s.AddHealthChecks().AddDataPlaneCheck();
        });
    }
}
