using System.Text;

namespace Resilience.ControlPlane.Tests;

/// <summary>Publishing YAML: converted once, by the data plane's own converter and limits, so nodes serve the same JSON and hash.</summary>
public sealed class YamlPublishTests
{
    private const string Yaml = """
        Routes:
          orders:
            ClusterId: orders
            Match: { Path: "/orders/{**rest}" }
            Order: 10
        Clusters:
          orders:
            Destinations:
              primary: { Address: "https://orders.internal/" }
        """;

    /// <summary>The same configuration written as the compact JSON the converter produces.</summary>
    private const string EquivalentJson = """{"Routes":{"orders":{"ClusterId":"orders","Match":{"Path":"/orders/{**rest}"},"Order":10}},"Clusters":{"orders":{"Destinations":{"primary":{"Address":"https://orders.internal/"}}}}}""";

    [Fact]
    public async Task Yaml_published_through_the_hub_is_served_with_the_hash_of_the_equivalent_json()
    {
        await using var cp = await ControlPlaneServer.StartAsync(Pki.ServerCertificate, Pki.Hub);
        await using var dp = await DataPlaneNode.StartAsync(Pki.Link(cp.Endpoint), nodeId: "yaml-1");

        var fromYaml = await cp.Publisher.PublishYamlAsync(Encoding.UTF8.GetBytes(Yaml));
        await Eventually.HoldsAsync(() => dp.Current?.Hash == fromYaml.Hash, "the node serves the YAML publish");
        Assert.Equal(EquivalentJson, Encoding.UTF8.GetString(dp.Current!.Payload.Span));

        var fromJson = await cp.Publisher.PublishAsync(Encoding.UTF8.GetBytes(EquivalentJson));
        Assert.Equal(fromYaml.Hash, fromJson.Hash);
        Assert.Equal(ConfigHash.Compute(Encoding.UTF8.GetBytes(EquivalentJson)), fromYaml.Hash);
    }

    [Fact]
    public async Task The_control_plane_converts_yaml_exactly_as_a_data_plane_applies_it()
    {
        await using var cp = await ControlPlaneServer.StartAsync(Pki.ServerCertificate, Pki.Hub);
        await using var dp = await DataPlaneNode.StartAsync(Pki.Link(cp.Endpoint), nodeId: "yaml-2");

        var applied = await dp.DataPlane.ApplyManualAsync(Encoding.UTF8.GetBytes(Yaml), ConfigFormat.Yaml, CancellationToken.None);
        var published = await cp.Publisher.PublishYamlAsync(Encoding.UTF8.GetBytes(Yaml));

        Assert.True(applied.IsServing);
        Assert.Equal(applied.Hash, published.Hash);
    }

    [Fact]
    public async Task An_alias_bomb_is_refused_with_the_reason_a_data_plane_gives_and_the_latest_config_stays()
    {
        await using var cp = await ControlPlaneServer.StartAsync(Pki.ServerCertificate, Pki.Hub);
        await using var dp = await DataPlaneNode.StartAsync(Pki.Link(cp.Endpoint), nodeId: "yaml-3");
        var good = await cp.PublishAsync(EquivalentJson);
        var bomb = Encoding.UTF8.GetBytes(AliasBomb(levels: 12));

        var refused = await Assert.ThrowsAsync<ConfigFormatException>(async () => await cp.Publisher.PublishYamlAsync(bomb));
        var applied = await dp.DataPlane.ApplyManualAsync(bomb, ConfigFormat.Yaml, CancellationToken.None);

        Assert.Equal(RejectionReason.InvalidYaml, refused.Reason);
        Assert.Equal(RejectionReason.InvalidYaml, applied.Reason);
        Assert.Contains("nodes", refused.Message, StringComparison.Ordinal);
        Assert.Same(good, cp.Publisher.Latest);
    }

    [Fact]
    public async Task Yaml_over_16_MiB_is_refused_as_too_large_before_it_is_parsed()
    {
        await using var cp = await ControlPlaneServer.StartAsync(Pki.ServerCertificate, Pki.Hub);
        var huge = new byte[(16 * 1024 * 1024) + 1];
        huge.AsSpan().Fill((byte)'#');

        var refused = await Assert.ThrowsAsync<ConfigFormatException>(async () => await cp.Publisher.PublishYamlAsync(huge));

        Assert.Equal(RejectionReason.TooLarge, refused.Reason);
        Assert.Null(cp.Publisher.Latest);
    }

    [Fact]
    public async Task Malformed_yaml_names_the_line_and_column()
    {
        await using var cp = await ControlPlaneServer.StartAsync(Pki.ServerCertificate, Pki.Hub);

        var refused = await Assert.ThrowsAsync<ConfigFormatException>(async () => await cp.Publisher.PublishYamlAsync("a: 1\nb: [1, 2\n"u8.ToArray()));

        Assert.Equal(RejectionReason.InvalidYaml, refused.Reason);
        Assert.NotNull(refused.Line);
        Assert.Null(cp.Publisher.Latest);
    }

    /// <summary>Each level doubles the one below: 2^levels nodes from a few hundred bytes.</summary>
    private static string AliasBomb(int levels)
    {
        var yaml = new StringBuilder("l0: &l0 [x, x]\n");
        for (var i = 1; i <= levels; i++)
        {
            yaml.Append($"l{i}: &l{i} [*l{i - 1}, *l{i - 1}, *l{i - 1}, *l{i - 1}]\n");
        }

        return yaml.ToString();
    }
}
