using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace Resilience.ControlPlane.Tests;

/// <summary>A refused node learns why, and the control plane says so once per refusal.</summary>
public sealed class CertificateRefusalTests
{
    [Fact]
    public async Task Refused_node_is_told_its_client_certificate_was_refused_and_the_control_plane_logs_one_line_per_refusal()
    {
        var logs = new FakeLogCollector();
        await using var cp = await ControlPlaneServer.StartAsync(
            Pki.ServerCertificate,
            o =>
            {
                o.AuthenticationMode = DataPlaneAuthenticationMode.Pinned;
                o.PinnedCertificates.Add(TestPki.SelfSignedClient("the pinned one"));
            },
            services: s => s.AddSingleton<ILoggerProvider>(new FakeLoggerProvider(logs)));

        var dp = await DataPlaneNode.StartAsync(o =>
        {
            o.Endpoint = cp.Endpoint;
            o.ClientCertificate = TestPki.SelfSignedClient("a stranger");
            o.TrustedCaCertificates.Add(Pki.Server.Root);
        });
        await Eventually.HoldsAsync(() => dp.State.Link is { Status: ClusterLinkStatus.Disconnected, Attempts: >= 3 }, "the link failed three times");
        var error = dp.State.Link.LastError;
        var dataPlane = dp.DataPlane;
        await dp.DisposeAsync();
        var attempts = dataPlane.State.Link.Attempts;
        var refusals = logs.GetSnapshot().Where(r => r.Id.Id == 6000).ToList();

        Assert.Contains("refused this node's client certificate", error, StringComparison.Ordinal);
        Assert.Contains("a stranger", error, StringComparison.Ordinal);
        Assert.InRange(refusals.Count, 3, attempts);
    }
}
