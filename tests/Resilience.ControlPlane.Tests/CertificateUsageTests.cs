using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace Resilience.ControlPlane.Tests;

/// <summary>Extended key usage, both ways: node certificates must allow client authentication, the control plane's server authentication.</summary>
public sealed class CertificateUsageTests
{
    private const string Config = """{"routes":[]}""";
    private static readonly TestPki ServerPki = TestPki.Create("Usage CP");
    private static readonly TestPki ClientPki = TestPki.Create("Usage DP");

    [Fact]
    public async Task Control_plane_refuses_a_node_certificate_issued_for_server_authentication_only()
    {
        var logs = new FakeLogCollector();
        await using var cp = await ControlPlaneServer.StartAsync(ServerPki.IssueServer("localhost"), Trust(ClientPki.Root), services: s => s.AddSingleton<ILoggerProvider>(new FakeLoggerProvider(logs)));
        await cp.PublishAsync(Config);

        await using var dp = await DataPlaneNode.StartAsync(Node(cp.Endpoint, ClientPki.IssueFromIntermediate("server only", [TestPki.ServerAuthentication]), ServerPki.Root));

        await Eventually.HoldsAsync(() => dp.State.Link is { Status: ClusterLinkStatus.Disconnected, Attempts: >= 2 }, "the link failed twice");
        Assert.Null(dp.Current);
        Assert.Empty(cp.Registry.GetAll());
        Assert.Contains("refused this node's client certificate", dp.State.Link.LastError, StringComparison.Ordinal);
        Assert.Contains(logs.GetSnapshot(), r => r.Id.Id == 6000 && r.Message.Contains("not issued for client authentication", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Node_refuses_a_control_plane_certificate_issued_for_client_authentication_only()
    {
        // Kestrel itself will not serve such a certificate, so a plain TLS server on real TCP presents it.
        var clientOnly = ServerPki.IssueFromRoot("localhost", [TestPki.ClientAuthentication], "localhost");
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        using var stop = new CancellationTokenSource();
        var handshakes = 0;
        var server = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                using var client = await listener.AcceptTcpClientAsync(stop.Token);
                await using var tls = new SslStream(client.GetStream());
                Interlocked.Increment(ref handshakes);
                try
                {
                    await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificate = clientOnly }, stop.Token);
                }
                catch (Exception ex) when (ex is AuthenticationException or IOException)
                {
                }
            }
        });
        var endpoint = new Uri($"wss://localhost:{((IPEndPoint)listener.LocalEndpoint).Port}/v1/outlet");

        await using (var dp = await DataPlaneNode.StartAsync(Node(endpoint, ClientPki.IssueClient("dp"), ServerPki.Root)))
        {
            await Eventually.HoldsAsync(() => dp.State.Link is { Status: ClusterLinkStatus.Disconnected, Attempts: >= 2 }, "the link failed twice");
            Assert.Null(dp.Current);
            Assert.Contains("the control plane certificate is not trusted: it is not issued for server authentication", dp.State.Link.LastError, StringComparison.Ordinal);
        }

        Assert.True(Volatile.Read(ref handshakes) >= 2);
        await stop.CancelAsync();
        listener.Stop();
        await server.ContinueWith(_ => { }, TaskScheduler.Default);
    }

    [Fact]
    public async Task Certificates_without_the_extended_key_usage_extension_are_accepted_both_ways()
    {
        var server = ServerPki.IssueFromRoot("localhost", [], "localhost");
        await using var cp = await ControlPlaneServer.StartAsync(server, Trust(ClientPki.Root));
        var published = await cp.PublishAsync(Config);

        await using var dp = await DataPlaneNode.StartAsync(Node(cp.Endpoint, ClientPki.IssueFromIntermediate("no usage", []), ServerPki.Root));

        await Eventually.HoldsAsync(() => dp.Current?.Hash == published.Hash, "the node serves the pushed config");
    }

    private static Action<DataPlaneHubOptions> Trust(X509Certificate2 root) => o =>
    {
        o.AuthenticationMode = DataPlaneAuthenticationMode.Pki;
        o.TrustedCaCertificates.Add(root);
    };

    private static Action<ClusterLinkOptions> Node(Uri endpoint, X509Certificate2 client, X509Certificate2 serverRoot) => o =>
    {
        o.Endpoint = endpoint;
        o.ClientCertificate = client;
        o.ClientIntermediates.Add(ClientPki.Intermediate);
        o.TrustedCaCertificates.Add(serverRoot);
    };
}
