using System.Diagnostics.Metrics;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Resilience.ClusterLink.WebSockets.Protocol;

namespace Resilience.ControlPlane.Tests;

/// <summary>
/// Delta sync over the real link (docs/protocol.md, "Delta sync"): a node that serves a recent configuration gets only a
/// patch and serves the published bytes exactly; an older node, or one that asks, gets the whole configuration.
/// </summary>
public sealed class DeltaSyncTests
{
    [Fact]
    public async Task A_node_that_serves_a_recent_config_gets_only_a_patch_and_serves_the_published_bytes()
    {
        await using var cp = await ControlPlaneServer.StartAsync(Pki.ServerCertificate, Pki.Hub);
        using var sent = new MetricCollector<long>(cp.Services.GetRequiredService<IMeterFactory>(), "Resilience.ControlPlane", "resilience.control_plane.configs.sent_bytes");
        var first = await cp.PublishAsync(Routes(2_000, edited: -1));
        await using var dp = await DataPlaneNode.StartAsync(Pki.Link(cp.Endpoint));
        await Eventually.HoldsAsync(() => dp.Current?.Hash == first.Hash, "the node serves the first configuration");

        var edited = Routes(2_000, edited: 1_234);
        var second = await cp.PublishAsync(edited);
        await Eventually.HoldsAsync(() => dp.Current?.Hash == second.Hash, "the node serves the edit");

        // The whole pipeline ran on the whole document: the validator saw the published bytes.
        Assert.Equal(edited, Encoding.UTF8.GetString(dp.Current!.Payload.Span));
        Assert.Equal(edited, dp.Validated.Last());
        var measurements = sent.GetMeasurementSnapshot();
        var full = Assert.Single(measurements, m => (string?)m.Tags["kind"] == "full").Value;
        var delta = Assert.Single(measurements, m => (string?)m.Tags["kind"] == "delta").Value;
        Assert.Equal(first.CompressedSize, full, tolerance: 1024);
        // A header (two hashes, version, time) and a patch of one value: a few hundred bytes whatever the size of the whole.
        Assert.InRange(delta, 1, 1_000);
        Assert.True(delta * 10 < full, $"delta {delta} bytes, whole {full} bytes");
        await Eventually.HoldsAsync(() => cp.Registry.GetAll().Single().ConfigHash == second.Hash, "the registry has the node in sync");
    }

    [Fact]
    public async Task A_node_without_the_capability_gets_the_whole_configuration_and_one_that_asks_gets_it_too()
    {
        await using var cp = await ControlPlaneServer.StartAsync(Pki.ServerCertificate, Pki.Hub);
        var first = await cp.PublishAsync(Routes(50, edited: -1));
        await using var old = await RawLinkClient.ConnectAsync(Pki.LinkOptions(cp.Endpoint));
        await old.HelloAsync("old-node", first.Hash);
        await using var current = await RawLinkClient.ConnectAsync(Pki.LinkOptions(cp.Endpoint));
        await current.SendAsync(new HelloMessage
        {
            Type = LinkProtocol.Types.Hello,
            Protocol = LinkProtocol.Version,
            NodeId = "new-node",
            ConfigHash = first.Hash,
            Capabilities = [LinkProtocol.Capabilities.Delta],
        });
        Assert.Equal(LinkProtocol.Types.Welcome, (await old.ReceiveAsync()).Type);
        Assert.Equal(LinkProtocol.Types.Welcome, (await current.ReceiveAsync()).Type);

        var second = await cp.PublishAsync(Routes(50, edited: 3));

        var (oldType, oldHeader) = await old.ReceiveAsync();
        Assert.Equal((LinkProtocol.Types.Config, second.Hash), (oldType, oldHeader!.Hash));
        var (type, header) = await current.ReceiveAsync();
        Assert.Equal(LinkProtocol.Types.ConfigDelta, type);
        Assert.Equal((second.Hash, first.Hash, (long?)second.Size), (header!.Hash, header.BaseHash, header.TargetSize));

        // The node could not use it: it asks, and gets the whole configuration.
        await current.SendAsync(new ConfigRequestMessage { Type = LinkProtocol.Types.ConfigRequest, Hash = second.Hash, ConfigHash = first.Hash, Reason = LinkProtocol.ConfigRequestReasons.HashMismatch, Error = "test" });
        var (again, againHeader) = await current.ReceiveAsync();
        Assert.Equal((LinkProtocol.Types.Config, second.Hash), (again, againHeader!.Hash));
    }

    [Fact]
    public async Task A_node_whose_served_config_is_no_longer_kept_gets_the_whole_configuration()
    {
        await using var cp = await ControlPlaneServer.StartAsync(Pki.ServerCertificate, o =>
        {
            Pki.Hub(o);
            o.DeltaHistory = 1;
        });
        var first = await cp.PublishAsync(Routes(50, edited: -1));
        await cp.PublishAsync(Routes(50, edited: 1));
        var third = await cp.PublishAsync(Routes(50, edited: 2));
        await using var client = await RawLinkClient.ConnectAsync(Pki.LinkOptions(cp.Endpoint));
        await client.SendAsync(new HelloMessage { Type = LinkProtocol.Types.Hello, Protocol = LinkProtocol.Version, NodeId = "late", ConfigHash = first.Hash, Capabilities = [LinkProtocol.Capabilities.Delta] });
        Assert.Equal(LinkProtocol.Types.Welcome, (await client.ReceiveAsync()).Type);

        var (type, header) = await client.ReceiveAsync();

        Assert.Equal((LinkProtocol.Types.Config, third.Hash), (type, header!.Hash));
    }

    /// <summary>A pretty-printed YARP-shaped document of <paramref name="routes"/> routes, one of them edited.</summary>
    internal static string Routes(int routes, int edited)
    {
        var builder = new StringBuilder("{\n  \"Routes\": {\n");
        for (var i = 0; i < routes; i++)
        {
            var path = i == edited ? $"/edited/{i}" : $"/api/{i}";
            builder.Append("    \"route-").Append(i).Append("\": {\n      \"ClusterId\": \"c\",\n      \"Match\": { \"Path\": \"").Append(path).Append("/{**rest}\" }\n    }").Append(i + 1 < routes ? ",\n" : "\n");
        }

        return builder.Append("  },\n  \"Clusters\": { \"c\": { \"Destinations\": { \"d\": { \"Address\": \"http://127.0.0.1:1/\" } } } }\n}\n").ToString();
    }
}
