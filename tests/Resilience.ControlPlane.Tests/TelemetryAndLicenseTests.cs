using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Security.Cryptography;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Resilience.ClusterLink.WebSockets.Protocol;

namespace Resilience.ControlPlane.Tests;

/// <summary>Telemetry and licences between a real data plane and the real Kestrel control plane.</summary>
public sealed class TelemetryAndLicenseTests
{
    [Fact]
    public async Task Usage_recorded_while_the_control_plane_is_down_is_flushed_after_reconnect_and_the_sink_gets_exactly_the_records_not_dropped()
    {
        var sink = new CollectingSink();
        await using var cp = await ControlPlaneServer.StartAsync(Pki.ServerCertificate, Pki.Hub, services: s => s.AddSingleton<IDataPlaneUsageSink>(sink));
        var port = cp.Port;
        await using var dp = await DataPlaneNode.StartAsync(Pki.Link(cp.Endpoint), nodeId: "usage-dp", services: s => s.Configure<TelemetryOptions>(o =>
        {
            o.BufferSizeLimit = 1_000;
            o.FlushInterval = TimeSpan.FromMilliseconds(100);
            o.MaxBatchSize = 300;
        }));
        await Eventually.HoldsAsync(() => dp.State.Link.Status == ClusterLinkStatus.Connected, "the data plane is connected");

        // Connected: 500 records arrive, in batches of at most 300.
        Record(dp.Usage, 1, 500);
        await Eventually.HoldsAsync(() => sink.Count == 500, "the first 500 records reached the sink");
        var info = cp.Registry.Find("usage-dp")!;
        Assert.Equal(500, info.TelemetryRecords);
        Assert.True(info.TelemetryBatches >= 2);
        Assert.Equal(0, info.TelemetryDropped);
        Assert.NotNull(info.LastTelemetryAt);

        // Control plane down: 3,000 more records into a 1,000-record buffer; the 2,000 oldest are dropped.
        await cp.DisposeAsync();
        await Eventually.HoldsAsync(() => dp.State.Link.Status != ClusterLinkStatus.Connected, "the data plane noticed the outage");
        Record(dp.Usage, 501, 3_500);

        await using var back = ControlPlaneServer.Create(Pki.ServerCertificate, Pki.Hub, port, s => s.AddSingleton<IDataPlaneUsageSink>(sink));
        await back.StartAsync();
        await Eventually.HoldsAsync(() => sink.Count >= 1_500, "the buffered records reached the sink after reconnect");

        var buffer = dp.Services.GetRequiredService<UsageBuffer>();
        Assert.Equal(3_500, buffer.Recorded);
        Assert.Equal(2_000, buffer.Dropped);
        var received = sink.Ids();
        Assert.Equal(buffer.Recorded - buffer.Dropped, received.Count);
        Assert.Equal(Enumerable.Range(1, 500).Select(i => (long)i), received.Take(500).Order());

        // The buffer drops the oldest per processor stripe (docs/configuration.md), not across the buffer: which
        // 1,000 of the 3,000 survive depends on the cores the test thread ran on; the newest always does.
        var afterOutage = received.Skip(500).ToArray();
        Assert.Equal(1_000, afterOutage.Distinct().Count());
        Assert.All(afterOutage, id => Assert.InRange(id, 501, 3_500));
        Assert.Contains(3_500L, afterOutage);
        var after = back.Registry.Find("usage-dp")!;
        Assert.Equal(1_000, after.TelemetryRecords);
        Assert.Equal(2_000, after.TelemetryDropped);
        Assert.All(sink.Batches, b => Assert.Equal("usage-dp", b.Node.NodeId));
        Assert.All(sink.Batches, b => Assert.InRange(b.Records.Count, 1, 300));
    }

    [Fact]
    public async Task Per_node_telemetry_counters_add_up_across_reconnects_and_a_malformed_batch_adds_no_records()
    {
        await using var cp = await ControlPlaneServer.StartAsync(Pki.ServerCertificate, Pki.Hub);
        await using (var first = await RawLinkClient.ConnectAsync(Pki.LinkOptions(cp.Endpoint)))
        {
            await first.HelloAsync("counted-dp", null);
            await first.ReceiveAsync();
            await SendBatchAsync(first, Enumerable.Range(1, 7).Select(i => Usage(i)).ToList(), dropped: 0);
            await SendBatchAsync(first, Enumerable.Range(8, 3).Select(i => Usage(i)).ToList(), dropped: 4);
            await Eventually.HoldsAsync(() => cp.Registry.Find("counted-dp")?.TelemetryBatches == 2, "two batches are counted");
        }

        await using var second = await RawLinkClient.ConnectAsync(Pki.LinkOptions(cp.Endpoint));
        await second.HelloAsync("counted-dp", null);
        await second.ReceiveAsync();
        var garbage = "not json"u8.ToArray();
        await second.Socket.SendAsync(
            LinkFraming.EncodeBinary(new BinaryHeader { Type = LinkProtocol.Types.Telemetry, Encoding = LinkProtocol.Encodings.Identity, Size = garbage.Length }, garbage),
            System.Net.WebSockets.WebSocketMessageType.Binary,
            true,
            CancellationToken.None);
        await SendBatchAsync(second, [Usage(11)], dropped: 6);

        await Eventually.HoldsAsync(() => cp.Registry.Find("counted-dp")?.TelemetryBatches == 4, "all four batches arrived");
        var info = cp.Registry.Find("counted-dp")!;
        Assert.Equal(11, info.TelemetryRecords);
        Assert.Equal(6, info.TelemetryDropped);
        Assert.True(info.IsConnected);
    }

    [Fact]
    public async Task A_licence_set_on_the_control_plane_reaches_connected_and_later_data_planes_and_is_kept_in_the_data_directory()
    {
        await using var cp = await ControlPlaneServer.StartAsync(Pki.ServerCertificate, Pki.Hub);
        await using var early = await DataPlaneNode.StartAsync(Pki.Link(cp.Endpoint), nodeId: "early");
        await Eventually.HoldsAsync(() => early.State.Link.Status == ClusterLinkStatus.Connected, "the early data plane is connected");

        var expires = DateTimeOffset.UtcNow.AddDays(30);
        cp.Publisher.PublishLicense(LicenseDocument.Create("acme", DateTimeOffset.UtcNow, expires));
        await cp.PublishAsync("""{"v":1}""");

        await Eventually.HoldsAsync(() => early.State.License?.Subject == "acme", "the connected data plane got the licence");
        await using var late = await DataPlaneNode.StartAsync(Pki.Link(cp.Endpoint), nodeId: "late");
        await Eventually.HoldsAsync(() => late.State.License?.Subject == "acme", "the data plane connecting later got the licence");

        Assert.False(late.State.License!.IsExpired);
        Assert.Equal(expires.ToUniversalTime().ToString("O"), late.State.License.ExpiresAt.ToUniversalTime().ToString("O"));
        Assert.True(File.Exists(Path.Combine(late.DataDirectory, "license.json")));
    }

    [Fact]
    public async Task A_data_plane_with_a_signing_key_refuses_a_licence_signed_with_another_key_and_keeps_its_connection()
    {
        using var controlPlaneKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var otherKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        await using var cp = await ControlPlaneServer.StartAsync(Pki.ServerCertificate, Pki.Hub);
        await using var dp = await DataPlaneNode.StartAsync(
            Pki.Link(cp.Endpoint),
            nodeId: "signed-dp",
            services: s => s.Configure<ConfigSigningOptions>(o => o.PublicKeyPem = controlPlaneKey.ExportSubjectPublicKeyInfoPem()));
        await Eventually.HoldsAsync(() => dp.State.Link.Status == ClusterLinkStatus.Connected, "the data plane is connected");
        using var refused = new MetricCollector<long>(dp.Services.GetRequiredService<IMeterFactory>(), "Resilience.DataPlane", "resilience.license.refused");

        cp.Publisher.PublishLicense(LicenseDocument.Create("mallory", DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddYears(10), otherKey));
        await Eventually.HoldsAsync(() => refused.GetMeasurementSnapshot().Count == 1, "the forged licence was refused");
        Assert.Null(dp.State.License);

        cp.Publisher.PublishLicense(LicenseDocument.Create("acme", DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddDays(1), controlPlaneKey));

        await Eventually.HoldsAsync(() => dp.State.License?.Subject == "acme", "the correctly signed licence is held");
        Assert.Equal(ClusterLinkStatus.Connected, dp.State.Link.Status);
        Assert.Equal(0, dp.State.Link.Attempts);
    }

    private static UsageRecord Usage(long id) => new("orders", "orders-get", "mobile", 200, TimeSpan.FromMilliseconds(3), id, 100);

    private static Task SendBatchAsync(RawLinkClient client, List<UsageRecord> records, long dropped)
    {
        var (gzip, size) = TelemetryBatch.Encode(records, dropped);
        var message = LinkFraming.EncodeBinary(new BinaryHeader { Type = LinkProtocol.Types.Telemetry, Encoding = LinkProtocol.Encodings.Gzip, Size = size }, gzip);
        return client.Socket.SendAsync(message, System.Net.WebSockets.WebSocketMessageType.Binary, true, CancellationToken.None);
    }

    private static void Record(IUsageRecorder usage, int from, int to)
    {
        for (var id = from; id <= to; id++)
        {
            usage.Record(new UsageRecord("orders", "orders-get", "mobile", 200, TimeSpan.FromMilliseconds(3), id, 100));
        }
    }

    private sealed class CollectingSink : IDataPlaneUsageSink
    {
        public ConcurrentQueue<DataPlaneUsageBatch> Batches { get; } = new();

        public int Count => Batches.Sum(b => b.Records.Count);

        public List<long> Ids() => Batches.SelectMany(b => b.Records).Select(r => r.RequestBytes).ToList();

        public ValueTask ReceiveAsync(DataPlaneUsageBatch batch, CancellationToken cancellationToken)
        {
            Batches.Enqueue(batch);
            return ValueTask.CompletedTask;
        }
    }
}
