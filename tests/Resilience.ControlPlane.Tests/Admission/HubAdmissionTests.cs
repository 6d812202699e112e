using Microsoft.Extensions.DependencyInjection;
using Resilience.ClusterLink.WebSockets;
using Resilience.ClusterLink.WebSockets.Protocol;

namespace Resilience.ControlPlane.Tests;

/// <summary>
/// Admission control on a real Kestrel control plane, through the real connector: the excess is answered 503 with
/// Retry-After before the WebSocket upgrade, and an admitted session gives its turn back once its first configuration
/// is sent.
/// </summary>
public sealed class HubAdmissionTests
{
    [Fact]
    public async Task Session_over_the_concurrency_limit_is_answered_503_with_Retry_After_before_the_upgrade_and_admitted_once_the_first_one_got_its_config()
    {
        await using var cp = await ControlPlaneServer.StartAsync(Pki.ServerCertificate, o =>
        {
            Pki.Hub(o);
            o.Admission.MaxConcurrent = 1;
            o.Admission.QueueLimit = 0;
            o.Admission.PerSecond = 1000;
        });
        var published = await cp.PublishAsync("""{"routes":["admitted"]}""");

        // Upgraded, no hello yet: between its upgrade and its first configuration, it holds the only turn.
        await using var first = await RawLinkClient.ConnectAsync(Pki.LinkOptions(cp.Endpoint));

        var busy = await Assert.ThrowsAsync<ControlPlaneBusyException>(() => RawLinkClient.ConnectAsync(Pki.LinkOptions(cp.Endpoint)));
        Assert.Equal(503, busy.StatusCode);
        Assert.NotNull(busy.RetryAfter);
        Assert.InRange(busy.RetryAfter!.Value, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(60));
        Assert.Empty(cp.Registry.GetAll()); // refused before the upgrade: no session, no hello

        await first.HelloAsync("first", hash: null);
        var (type, header) = await ReceiveConfigAsync(first);
        Assert.Equal(LinkProtocol.Types.Config, type);
        Assert.Equal(published.Hash, header!.Hash);

        // The turn came back with the first configuration sent: the next node is admitted.
        await using var second = await Eventually.FoundAsync(
            async () => await TryConnectAsync(cp),
            "the second node is admitted once the first got its configuration",
            TimeSpan.FromSeconds(30));
        await second.HelloAsync("second", hash: null);
        Assert.Equal(published.Hash, (await ReceiveConfigAsync(second)).Header!.Hash);
    }

    [Fact]
    public async Task Without_admission_control_every_session_is_upgraded_at_once()
    {
        await using var cp = await ControlPlaneServer.StartAsync(Pki.ServerCertificate, o =>
        {
            Pki.Hub(o);
            o.Admission.Enabled = false;
            o.Admission.MaxConcurrent = 1;
            o.Admission.QueueLimit = 0;
        });
        await cp.PublishAsync("""{"routes":["open"]}""");

        await using var first = await RawLinkClient.ConnectAsync(Pki.LinkOptions(cp.Endpoint));
        await using var second = await RawLinkClient.ConnectAsync(Pki.LinkOptions(cp.Endpoint));
        Assert.Equal(System.Net.WebSockets.WebSocketState.Open, second.Socket.State);
    }

    private static async Task<RawLinkClient?> TryConnectAsync(ControlPlaneServer cp)
    {
        try
        {
            return await RawLinkClient.ConnectAsync(Pki.LinkOptions(cp.Endpoint));
        }
        catch (ControlPlaneBusyException)
        {
            return null;
        }
    }

    private static async Task<(string Type, BinaryHeader? Header)> ReceiveConfigAsync(RawLinkClient client)
    {
        while (true)
        {
            var message = await client.ReceiveAsync();
            if (message.Header is not null)
            {
                return message;
            }
        }
    }
}
