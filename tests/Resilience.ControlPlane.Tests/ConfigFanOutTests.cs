using System.Security.Cryptography;
using Microsoft.Extensions.DependencyInjection;

namespace Resilience.ControlPlane.Tests;

/// <summary>How the hub writes a configuration to many data planes: in fragments of at most 64 KiB, a few data planes at a time.</summary>
public sealed class ConfigFanOutTests
{
    /// <summary>A config that gzip cannot shrink much, so its message spans many fragments.</summary>
    private static string LargeConfig(int randomBytes, int version) =>
        $$"""{"version":{{version}},"blob":"{{Convert.ToBase64String(RandomNumberGenerator.GetBytes(randomBytes))}}"}""";

    [Fact]
    public async Task A_large_config_goes_out_as_one_message_of_fragments_no_larger_than_64_KiB()
    {
        await using var cp = await ControlPlaneServer.StartAsync(Pki.ServerCertificate, Pki.Hub);
        var published = await cp.PublishAsync(LargeConfig(800_000, 1));
        Assert.True(published.Message.Length > 10 * DataPlaneHubDefaults.ConfigFragmentBytes);
        await using var client = await WireFrameClient.ConnectAsync(cp.Endpoint, "wire-1");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));

        var frames = new List<(int Opcode, bool Fin, byte[] Payload)>();
        while (frames.Count == 0 || !frames[^1].Fin)
        {
            var frame = await client.ReadFrameAsync(timeout.Token);
            if (frames.Count == 0 && frame.Opcode == 1)
            {
                continue; // welcome
            }

            frames.Add(frame);
        }

        Assert.Equal(2, frames[0].Opcode);
        Assert.All(frames.Skip(1), f => Assert.Equal(0, f.Opcode));
        Assert.All(frames.SkipLast(1), f => Assert.False(f.Fin));
        Assert.All(frames, f => Assert.InRange(f.Payload.Length, 1, DataPlaneHubDefaults.ConfigFragmentBytes));
        Assert.Equal(published.Message.ToArray(), frames.SelectMany(f => f.Payload).ToArray());
    }

    [Fact]
    public async Task A_large_config_applies_on_data_planes_through_the_fragmented_path()
    {
        await using var cp = await ControlPlaneServer.StartAsync(Pki.ServerCertificate, o =>
        {
            Pki.Hub(o);
            o.MaxConcurrentConfigSends = 1;
        });
        var first = await cp.PublishAsync(LargeConfig(800_000, 1));
        Assert.True(first.Message.Length > 10 * DataPlaneHubDefaults.ConfigFragmentBytes);
        await using var dp1 = await DataPlaneNode.StartAsync(Pki.Link(cp.Endpoint), nodeId: "dp-a");
        await using var dp2 = await DataPlaneNode.StartAsync(Pki.Link(cp.Endpoint), nodeId: "dp-b");
        await Eventually.HoldsAsync(() => dp1.Current?.Hash == first.Hash && dp2.Current?.Hash == first.Hash, "both serve the first large config", TimeSpan.FromSeconds(60));

        // A publish to connected data planes goes the same way, one at a time here.
        var second = await cp.PublishAsync(LargeConfig(800_000, 2));
        await Eventually.HoldsAsync(() => dp1.Current?.Hash == second.Hash && dp2.Current?.Hash == second.Hash, "both serve the second large config", TimeSpan.FromSeconds(60));
        Assert.Equal(1, cp.Services.GetRequiredService<DataPlaneHub>().ConfigSends.Peak);
    }

    [Fact]
    public async Task Config_writes_take_turns_and_a_data_plane_that_stops_reading_gives_its_turn_back()
    {
        // One turn, and a write timeout far beyond the test's deadline: only giving the turn back lets the node through.
        await using var cp = await ControlPlaneServer.StartAsync(Pki.ServerCertificate, o =>
        {
            Pki.Hub(o);
            o.MaxConcurrentConfigSends = 1;
            o.WriteTimeout = TimeSpan.FromMinutes(5);
        });
        var published = await cp.PublishAsync(LargeConfig(6_000_000, 1));
        var hub = cp.Services.GetRequiredService<DataPlaneHub>();

        // It takes the only turn first, and never reads: the write stalls once the windows are full.
        await using var stalled = await WireFrameClient.ConnectAsync(cp.Endpoint, "never-reads", receiveBufferBytes: 4096);
        await Eventually.HoldsAsync(() => hub.ConfigSends.Peak == 1, "the stalled data plane's write has the turn");

        await using var dp = await DataPlaneNode.StartAsync(Pki.Link(cp.Endpoint), nodeId: "dp-a");
        await Eventually.HoldsAsync(() => dp.Current?.Hash == published.Hash, "the reading data plane serves the config", TimeSpan.FromSeconds(60));
        Assert.Equal(1, hub.ConfigSends.Peak);
    }

    [Fact]
    public async Task Max_concurrent_config_sends_below_one_fails_start_up()
    {
        var error = await Assert.ThrowsAsync<Microsoft.Extensions.Options.OptionsValidationException>(async () =>
        {
            await using var cp = await ControlPlaneServer.StartAsync(Pki.ServerCertificate, o =>
            {
                Pki.Hub(o);
                o.MaxConcurrentConfigSends = 0;
            });
        });
        Assert.Contains(nameof(DataPlaneHubOptions.MaxConcurrentConfigSends), error.Message);
    }
}
