using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Resilience.Tests;

namespace Resilience.Tests.Chain;

/// <summary>Start-up walks the chain as the reference's FAQ describes, over real files.</summary>
public sealed class ChainStartupTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    [Fact]
    public async Task Restart_serves_the_cached_config_even_when_the_yaml_changed()
    {
        var yaml = _dir.Combine("config.yaml");
        await File.WriteAllTextAsync(yaml, Configs.Yaml("first"));
        await using (var node = await ChainNode.StartAsync(ChainNode.Settings(_dir, yaml)))
        {
            Assert.Equal("first", Configs.NameOf(node.DataPlane.Current));
            Assert.Equal(ConfigOrigin.Declarative, node.DataPlane.State.ServingTier);
        }

        await File.WriteAllTextAsync(yaml, Configs.Yaml("second"));
        await using var restarted = await ChainNode.StartAsync(ChainNode.Settings(_dir, yaml));

        Assert.Equal("first", Configs.NameOf(restarted.DataPlane.Current));
        Assert.Equal(ConfigOrigin.Cache, restarted.DataPlane.State.ServingTier);
    }

    [Fact]
    public async Task Deleted_cache_goes_to_the_next_tier()
    {
        var yaml = _dir.Combine("config.yaml");
        await File.WriteAllTextAsync(yaml, Configs.Yaml("first"));
        await (await ChainNode.StartAsync(ChainNode.Settings(_dir, yaml))).DisposeAsync();
        File.Delete(_dir.Combine("data", "config.json.gz"));
        await File.WriteAllTextAsync(yaml, Configs.Yaml("second"));

        await using var node = await ChainNode.StartAsync(ChainNode.Settings(_dir, yaml));

        Assert.Equal("second", Configs.NameOf(node.DataPlane.Current));
        Assert.Equal(ConfigOrigin.Declarative, node.DataPlane.State.ServingTier);
    }

    [Theory]
    [InlineData("truncated")]
    [InlineData("altered")]
    [InlineData("garbage")]
    public async Task Corrupt_cache_goes_to_the_next_tier(string damage)
    {
        var yaml = _dir.Combine("config.yaml");
        await File.WriteAllTextAsync(yaml, Configs.Yaml("first"));
        await (await ChainNode.StartAsync(ChainNode.Settings(_dir, yaml))).DisposeAsync();
        var cacheFile = _dir.Combine("data", "config.json.gz");
        var bytes = await File.ReadAllBytesAsync(cacheFile);
        switch (damage)
        {
            case "truncated":
                bytes = bytes[..(bytes.Length / 2)];
                break;
            case "altered":
                bytes[bytes.Length / 2] ^= 0x5a;
                break;
            default:
                Random.Shared.NextBytes(bytes);
                break;
        }

        await File.WriteAllBytesAsync(cacheFile, bytes);
        await File.WriteAllTextAsync(yaml, Configs.Yaml("second"));

        await using var node = await ChainNode.StartAsync(ChainNode.Settings(_dir, yaml));

        Assert.Equal("second", Configs.NameOf(node.DataPlane.Current));
        Assert.Equal(ConfigOrigin.Declarative, node.DataPlane.State.ServingTier);
    }

    [Fact]
    public async Task Start_with_nothing_is_not_ready()
    {
        await using var node = await ChainNode.StartAsync(ChainNode.Settings(_dir));

        Assert.Null(node.DataPlane.Current);
        Assert.False(node.DataPlane.State.IsReady);
        Assert.True(node.DataPlane.State.StartupCompleted);
        Assert.Equal(ConfigOrigin.None, node.DataPlane.State.ServingTier);
    }

    [Fact]
    public async Task Invalid_yaml_leaves_the_node_not_ready_with_a_clear_error()
    {
        var yaml = _dir.Combine("config.yaml");
        await File.WriteAllTextAsync(yaml, "name: broken\nroutes:\n  - path: /a\n   bad: [unclosed\n");

        await using var node = await ChainNode.StartAsync(ChainNode.Settings(_dir, yaml));

        Assert.False(node.DataPlane.State.IsReady);
        var result = node.DataPlane.State.LastApplyResult;
        Assert.NotNull(result);
        Assert.Equal(ApplyOutcome.Rejected, result.Outcome);
        Assert.Equal(RejectionReason.InvalidYaml, result.Reason);
        var error = Assert.Single(result.Errors);
        Assert.Contains(yaml, error);
        Assert.Contains("line 4", error);
    }

    [Fact]
    public async Task New_node_imports_from_the_file_store_before_the_yaml()
    {
        await using var node = await StartWithStoreAndYamlAsync("1.0.0", Configs.Json("from-store"), import: true);

        Assert.Equal("from-store", Configs.NameOf(node.DataPlane.Current));
        Assert.Equal(ConfigOrigin.FallbackStore, node.DataPlane.State.ServingTier);
        Assert.True(File.Exists(_dir.Combine("data", "config.json.gz")), "an imported config is cached");
    }

    [Fact]
    public async Task Import_reads_only_the_key_of_its_own_version()
    {
        await using var node = await StartWithStoreAndYamlAsync("2.0.0", Configs.Json("other-version"), import: true);

        Assert.Equal("from-yaml", Configs.NameOf(node.DataPlane.Current));
    }

    [Fact]
    public async Task Invalid_json_in_the_store_is_rejected_and_the_yaml_tier_serves()
    {
        await using var node = await StartWithStoreAndYamlAsync("1.0.0", "{\"name\": oops"u8.ToArray(), import: true);

        Assert.Equal("from-yaml", Configs.NameOf(node.DataPlane.Current));
    }

    [Fact]
    public async Task Import_off_skips_the_store()
    {
        await using var node = await StartWithStoreAndYamlAsync("1.0.0", Configs.Json("from-store"), import: false);

        Assert.Equal("from-yaml", Configs.NameOf(node.DataPlane.Current));
    }

    [Fact]
    public async Task Cache_rejected_by_the_validator_goes_to_the_next_tier()
    {
        var yaml = _dir.Combine("config.yaml");
        await File.WriteAllTextAsync(yaml, Configs.Yaml("old-schema"));
        await (await ChainNode.StartAsync(ChainNode.Settings(_dir, yaml))).DisposeAsync();
        await File.WriteAllTextAsync(yaml, Configs.Yaml("new-schema"));

        await using var node = await ChainNode.StartAsync(
            ChainNode.Settings(_dir, yaml),
            b => b.UseValidator((payload, _) => ValueTask.FromResult(
                System.Text.Encoding.UTF8.GetString(payload.Span).Contains("old-schema", StringComparison.Ordinal)
                    ? ConfigValidationResult.Invalid("old schema")
                    : ConfigValidationResult.Valid())));

        Assert.Equal("new-schema", Configs.NameOf(node.DataPlane.Current));
    }

    [Fact]
    public async Task Node_id_is_created_once_and_kept_across_restarts()
    {
        string first;
        await using (var node = await ChainNode.StartAsync(ChainNode.Settings(_dir)))
        {
            first = node.Services.GetRequiredService<DataPlane>().Node.NodeId;
        }

        await using var restarted = await ChainNode.StartAsync(ChainNode.Settings(_dir));

        Assert.Equal(first, restarted.Services.GetRequiredService<DataPlane>().Node.NodeId);
        Assert.Equal(first, (await File.ReadAllTextAsync(_dir.Combine("data", "node-id"))).Trim());
    }

    [Fact]
    public async Task Invalid_options_fail_at_start()
    {
        var settings = ChainNode.Settings(_dir);
        settings["Resilience:MaxConfigBytes"] = "0";
        settings["Resilience:FallbackStore:Import"] = "true";

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => ChainNode.StartAsync(settings));

        Assert.Contains(error.Failures, f => f.Contains("MaxConfigBytes", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Import_on_without_storage_fails_at_start()
    {
        var settings = ChainNode.Settings(_dir, import: true);

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => ChainNode.StartAsync(settings));

        Assert.Contains(error.Failures, f => f.Contains("Storage", StringComparison.Ordinal));
    }

    public void Dispose() => _dir.Dispose();

    /// <summary>A file store holding one exported object (as a backup node would leave it) and a YAML file "from-yaml".</summary>
    private async Task<ChainNode> StartWithStoreAndYamlAsync(string exportedVersion, byte[] exported, bool import)
    {
        var storeDir = _dir.Combine("store");
        await new FileFallbackStore(storeDir).PutAsync(FallbackStoreKeys.Config(exportedVersion), exported, new Dictionary<string, string> { ["exporter-node-id"] = "node-a" }, default);
        var yaml = _dir.Combine("config.yaml");
        await File.WriteAllTextAsync(yaml, Configs.Yaml("from-yaml"));
        return await ChainNode.StartAsync(ChainNode.Settings(_dir, yaml, new Uri(storeDir).AbsoluteUri, import));
    }
}
