using System.Net.WebSockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Resilience.ClusterLink.WebSockets.Protocol;

namespace Resilience.ControlPlane.Tests;

/// <summary>What a data plane relies on from the link: latest config wins, outages change nothing, garbage ends only a connection.</summary>
public sealed class LinkBehaviourTests
{
    private static string Config(int version) => $$"""{"version":{{version}},"routes":[{"path":"/v{{version}}"}]}""";

    [Fact]
    public async Task Control_plane_stopped_then_back_delivers_only_the_latest_config()
    {
        var cp = await ControlPlaneServer.StartAsync(Pki.ServerCertificate, Pki.Hub);
        var first = await cp.PublishAsync(Config(1));
        await using var dp = await DataPlaneNode.StartAsync(Pki.Link(cp.Endpoint));
        await Eventually.HoldsAsync(() => dp.Current?.Hash == first.Hash, "the data plane serves config 1");
        var port = cp.Port;

        await cp.DisposeAsync();
        await Eventually.HoldsAsync(() => dp.State.Link is { Status: ClusterLinkStatus.Disconnected, Attempts: >= 2 }, "the data plane has failed to reconnect twice");
        Assert.Equal(first.Hash, dp.Current?.Hash);
        Assert.Equal(ConfigOrigin.ControlPlane, dp.State.ServingTier);

        // Configs published while no data plane can connect: only the last one may ever reach a data plane.
        await using var back = ControlPlaneServer.Create(Pki.ServerCertificate, Pki.Hub, port);
        await back.PublishAsync(Config(2));
        await back.PublishAsync(Config(3));
        var latest = await back.PublishAsync(Config(4));
        await back.StartAsync();

        await Eventually.HoldsAsync(() => dp.Current?.Hash == latest.Hash, "the data plane serves config 4");
        await Eventually.HoldsAsync(() => back.Registry.Find("dp-1") is { SyncStatus: DataPlaneSyncStatus.InSync }, "the registry shows it in sync");
        Assert.Equal([Config(1), Config(4)], dp.Validated.ToArray());
        Assert.Equal(ClusterLinkStatus.Connected, dp.State.Link.Status);
    }

    [Fact]
    public async Task Publishing_pushes_at_once_to_every_connected_data_plane()
    {
        await using var cp = await ControlPlaneServer.StartAsync(Pki.ServerCertificate, Pki.Hub);
        await using var dp1 = await DataPlaneNode.StartAsync(Pki.Link(cp.Endpoint), nodeId: "dp-a");
        await using var dp2 = await DataPlaneNode.StartAsync(Pki.Link(cp.Endpoint), nodeId: "dp-b");
        await Eventually.HoldsAsync(() => cp.Registry.GetAll().Count(i => i.IsConnected) == 2, "both data planes are connected");
        Assert.All(cp.Registry.GetAll(), i => Assert.Equal(DataPlaneSyncStatus.Unknown, i.SyncStatus));

        var published = await cp.PublishAsync(Config(7), "v7");

        await Eventually.HoldsAsync(() => dp1.Current?.Hash == published.Hash && dp2.Current?.Hash == published.Hash, "both serve the new config");
        Assert.Equal("v7", dp1.Current!.Version);
        await Eventually.HoldsAsync(() => cp.Registry.GetAll().All(i => i.SyncStatus == DataPlaneSyncStatus.InSync), "the registry shows both in sync");
    }

    [Fact]
    public async Task Rejected_config_is_reported_to_the_registry_and_the_served_config_stays()
    {
        await using var cp = await ControlPlaneServer.StartAsync(Pki.ServerCertificate, Pki.Hub);
        var good = await cp.PublishAsync(Config(1));
        await using var dp = await DataPlaneNode.StartAsync(Pki.Link(cp.Endpoint), reject: json => json.Contains("\"bad\"") ? "routes must not be bad" : null);
        await Eventually.HoldsAsync(() => dp.Current?.Hash == good.Hash, "the data plane serves the good config");

        await cp.PublishAsync("""{"bad":true}""");

        await Eventually.HoldsAsync(() => cp.Registry.Find("dp-1") is { SyncStatus: DataPlaneSyncStatus.Rejected }, "the registry shows the rejection");
        var info = cp.Registry.Find("dp-1")!;
        Assert.Contains("routes must not be bad", info.LastApplyError);
        Assert.Equal(good.Hash, info.ConfigHash);
        Assert.Equal(good.Hash, dp.Current?.Hash);
    }

    [Fact]
    public async Task Data_plane_reporting_a_stale_hash_in_a_heartbeat_gets_the_latest_again()
    {
        await using var cp = await ControlPlaneServer.StartAsync(Pki.ServerCertificate, Pki.Hub);
        var latest = await cp.PublishAsync(Config(5));
        await using var client = await RawLinkClient.ConnectAsync(Pki.LinkOptions(cp.Endpoint));

        await client.HelloAsync("raw-1", latest.Hash);
        Assert.Equal(LinkProtocol.Types.Welcome, (await client.ReceiveAsync()).Type);

        // Up to date: only an answer.
        await client.SendAsync(new HeartbeatMessage { Type = LinkProtocol.Types.Heartbeat, ConfigHash = latest.Hash });
        Assert.Equal(LinkProtocol.Types.HeartbeatAck, (await client.ReceiveAsync()).Type);

        // Stale (say, an operator applied something by hand): the latest comes again.
        await client.SendAsync(new HeartbeatMessage { Type = LinkProtocol.Types.Heartbeat, ConfigHash = "0000" });
        Assert.Equal(LinkProtocol.Types.HeartbeatAck, (await client.ReceiveAsync()).Type);
        var (type, header) = await client.ReceiveAsync();
        Assert.Equal(LinkProtocol.Types.Config, type);
        Assert.Equal(latest.Hash, header!.Hash);
        Assert.Equal(LinkProtocol.Encodings.Gzip, header.Encoding);
    }

    [Fact]
    public async Task Restart_while_control_plane_down_serves_cached_config()
    {
        var cp = await ControlPlaneServer.StartAsync(Pki.ServerCertificate, Pki.Hub);
        var published = await cp.PublishAsync(Config(3));
        var endpoint = cp.Endpoint;
        var dp = await DataPlaneNode.StartAsync(Pki.Link(endpoint));
        await Eventually.HoldsAsync(() => dp.Current?.Hash == published.Hash, "the data plane serves the config");
        var dataDirectory = dp.DataDirectory;

        // The cache is written just after the swap; stopping the host before then cancels the write.
        await Eventually.HoldsAsync(() => File.Exists(Path.Combine(dataDirectory, "config.json.gz")), "the config is cached");
        await dp.DisposeAsync();
        await cp.DisposeAsync();

        await using var restarted = await DataPlaneNode.StartAsync(Pki.Link(endpoint), dataDirectory);

        // Served from the cache as soon as the host has started, before any control-plane round trip.
        Assert.Equal(published.Hash, restarted.Current?.Hash);
        Assert.Equal(ConfigOrigin.Cache, restarted.State.ServingTier);
        await Eventually.HoldsAsync(() => restarted.State.Link is { Status: ClusterLinkStatus.Disconnected, Attempts: >= 1 }, "the link keeps trying");
        Assert.Contains("refused", restarted.State.Link.LastError, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(published.Hash, restarted.Current?.Hash);
    }

    [Fact]
    public async Task Oversize_and_garbage_messages_end_the_connection_and_the_served_config_stays()
    {
        var good = Config(1);
        var goodHash = ConfigHash.Compute(System.Text.Encoding.UTF8.GetBytes(good));
        var closes = new List<WebSocketCloseStatus?>();
        var hellos = new List<string?>();
        var results = new List<string>();
        var bomb = GzipBomb(8 * 1024 * 1024);
        await using var cp = await ScriptedControlPlane.StartAsync(Pki.ServerCertificate, async (socket, index) =>
        {
            var hello = await ScriptedControlPlane.ReceiveControlAsync(socket, LinkProtocol.Types.Hello);
            lock (hellos)
            {
                hellos.Add(hello.TryGetProperty("config_hash", out var h) ? h.GetString() : null);
            }

            switch (index)
            {
                case 0:
                    await socket.SendAsync(ScriptedControlPlane.ConfigMessage(good), WebSocketMessageType.Binary, true, default);
                    var applied = await ScriptedControlPlane.ReceiveControlAsync(socket, LinkProtocol.Types.ApplyResult);
                    results.Add(applied.GetProperty("outcome").GetString()!);

                    // More than the data plane's MaxFrameBytes, in several frames.
                    var chunk = new byte[32 * 1024];
                    for (var i = 0; i < 8; i++)
                    {
                        try
                        {
                            await socket.SendAsync(chunk, WebSocketMessageType.Binary, i == 7, default);
                        }
                        catch (WebSocketException)
                        {
                            break;
                        }
                    }

                    break;
                case 1:
                    await socket.SendAsync("{{{ this is not json"u8.ToArray(), WebSocketMessageType.Text, true, default);
                    break;
                case 2:
                    // A gzip bomb within the frame limit: rejected as a config, the connection stays.
                    await socket.SendAsync(ScriptedControlPlane.ConfigMessage("{}", "ignored", bomb), WebSocketMessageType.Binary, true, default);
                    var rejected = await ScriptedControlPlane.ReceiveControlAsync(socket, LinkProtocol.Types.ApplyResult);
                    results.Add($"{rejected.GetProperty("outcome").GetString()} {rejected.GetProperty("reason").GetString()}");

                    // Then a binary message whose envelope is damaged.
                    await socket.SendAsync(new byte[] { 0xff, 0xff, 0xff, 0xff, 1, 2, 3 }, WebSocketMessageType.Binary, true, default);
                    break;
                default:
                    await ScriptedControlPlane.ReceiveCloseAsync(socket);
                    return;
            }

            var status = await ScriptedControlPlane.ReceiveCloseAsync(socket);
            lock (closes)
            {
                closes.Add(status);
            }
        });

        // The chain's limits bound what the link decompresses (the one place sizes are set).
        await using var dp = await DataPlaneNode.StartAsync(
            o =>
            {
                Pki.Link(cp.Endpoint)(o);
                o.MaxFrameBytes = 64 * 1024;
            },
            services: s => s.Configure<DataPlaneResilienceOptions>(o =>
            {
                o.MaxConfigBytes = 64 * 1024;
                o.MaxDecompressedBytes = 1024 * 1024;
            }));
        using var rejectedFrames = new MetricCollector<long>(dp.Services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(), "Resilience.DataPlane", "resilience.link.frames_rejected");

        await Eventually.HoldsAsync(() => { lock (hellos) { return hellos.Count >= 4; } }, "the data plane reconnected three times");
        Assert.Equal([null, goodHash, goodHash, goodHash], hellos.Take(4));
        Assert.Equal(["applied", "rejected TooLarge"], results);
        lock (closes)
        {
            Assert.Equal([WebSocketCloseStatus.MessageTooBig, WebSocketCloseStatus.ProtocolError, WebSocketCloseStatus.ProtocolError], closes);
        }

        Assert.Equal(goodHash, dp.Current?.Hash);
        Assert.Equal([good], dp.Validated.ToArray());
        Assert.Equal(3, rejectedFrames.GetMeasurementSnapshot().Sum(m => m.Value));
    }

    private static byte[] GzipBomb(int size)
    {
        using var output = new MemoryStream();
        using (var gzip = new System.IO.Compression.GZipStream(output, System.IO.Compression.CompressionLevel.SmallestSize, leaveOpen: true))
        {
            gzip.Write(new byte[size]);
        }

        Assert.True(output.Length < 32 * 1024, "the bomb must fit in a frame");
        return output.ToArray();
    }
}
