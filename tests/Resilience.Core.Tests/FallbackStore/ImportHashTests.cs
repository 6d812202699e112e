using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging.Testing;

namespace Resilience.Tests.FallbackStore;

/// <summary>Imports check the exporter's <c>config-hash</c> metadata; an operator's object without it is still accepted.</summary>
public sealed class ImportHashTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    [Fact]
    public async Task Object_damaged_into_valid_json_is_rejected_by_its_stored_hash_and_the_yaml_serves()
    {
        var exported = Configs.Json("exported");
        var damaged = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(exported).Replace("exported", "exporteD", StringComparison.Ordinal));
        await PlaceAsync(damaged, new() { [ExportConstants.ConfigHashMetadataKey] = ConfigHash.Compute(exported) });

        await using var node = await StartAsync();

        Assert.Equal("from-yaml", Configs.NameOf(node.DataPlane.Current));
        Assert.Contains(Logs(node), r => r.Id.Id == 1001 && r.Message.Contains("HashMismatch", StringComparison.Ordinal) && r.Message.Contains("FallbackStore", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Hash_mismatch_is_counted_with_its_reason()
    {
        var store = new FileFallbackStore(_dir.Combine("store"));
        await store.PutAsync(FallbackStoreKeys.Config("1.0.0"), Configs.Json("b"), new Dictionary<string, string> { [ExportConstants.ConfigHashMetadataKey] = ConfigHash.Compute(Configs.Json("a")) }, default);
        using var plane = new DataPlane(new ConfigPreparer(1 << 20, 1 << 24, new()), new JsonOnlyConfigValidator(), (IConfigCache?)null, new NodeIdentityProvider(Microsoft.Extensions.Options.Options.Create(new DataPlaneResilienceOptions { NodeId = "n" })), TimeProvider.System, Microsoft.Extensions.Logging.Abstractions.NullLogger<DataPlane>.Instance, null);
        using var rejections = new MetricCollector<long>(plane.Metrics.Meter, "resilience.config.rejections");
        var importer = new FallbackImporter(store, 1 << 20, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance, plane.Metrics);

        var result = await plane.ApplyAsync((await importer.ImportAsync("1.0.0", default))!, default);

        Assert.Equal(RejectionReason.HashMismatch, result.Reason);
        var measurement = Assert.Single(rejections.GetMeasurementSnapshot());
        Assert.Equal("HashMismatch", measurement.Tags["reason"]);
        Assert.Equal("FallbackStore", measurement.Tags["origin"]);
    }

    [Fact]
    public async Task Object_with_a_matching_hash_is_served()
    {
        await PlaceAsync(Configs.Json("exported"), new() { [ExportConstants.ConfigHashMetadataKey] = ConfigHash.Compute(Configs.Json("exported")) });

        await using var node = await StartAsync();

        Assert.Equal("exported", Configs.NameOf(node.DataPlane.Current));
        Assert.DoesNotContain(Logs(node), r => r.Id.Id == 3003);
    }

    [Fact]
    public async Task Object_placed_by_an_operator_without_metadata_is_accepted_and_logged_as_such()
    {
        var key = FallbackStoreKeys.Config("1.0.0");
        Directory.CreateDirectory(Path.GetDirectoryName(_dir.Combine("store", key))!);
        await File.WriteAllBytesAsync(_dir.Combine("store", key), Configs.Json("by-hand"));

        await using var node = await StartAsync();

        Assert.Equal("by-hand", Configs.NameOf(node.DataPlane.Current));
        Assert.Contains(Logs(node), r => r.Id.Id == 3003);
    }

    public void Dispose() => _dir.Dispose();

    private static IReadOnlyList<FakeLogRecord> Logs(ChainNode node) => node.Services.GetFakeLogCollector().GetSnapshot();

    private async Task PlaceAsync(byte[] content, Dictionary<string, string> metadata) =>
        await new FileFallbackStore(_dir.Combine("store")).PutAsync(FallbackStoreKeys.Config("1.0.0"), content, metadata, default);

    private async Task<ChainNode> StartAsync()
    {
        var yaml = _dir.Combine("config.yaml");
        await File.WriteAllTextAsync(yaml, Configs.Yaml("from-yaml"));
        return await ChainNode.StartAsync(ChainNode.Settings(_dir, yaml, new Uri(_dir.Combine("store")).AbsoluteUri, import: true), services: s => s.AddFakeLogging());
    }
}
