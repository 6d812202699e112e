using System.Security.Cryptography.X509Certificates;

namespace Resilience.ControlPlane.Tests;

/// <summary>The reference's certificate cases: pinned, and PKI with the root or the intermediate trusted.</summary>
public sealed class ClientCertificateTests
{
    private const string Config = """{"routes":[{"path":"/a"}]}""";
    private static readonly TestPki ServerPki = TestPki.Create("CP");
    private static readonly TestPki ClientPki = TestPki.Create("DP");
    private static readonly X509Certificate2 ServerCertificate = ServerPki.IssueServer("localhost");

    [Fact]
    public async Task Pinned_certificate_from_pem_files_is_accepted_and_receives_the_latest_config()
    {
        var dir = Directory.CreateTempSubdirectory("resilience-pins-").FullName;
        var client = TestPki.SelfSignedClient("dp pinned");
        TestPki.WritePem(client, Path.Combine(dir, "dp.crt"), Path.Combine(dir, "dp.key"));
        TestPki.WritePem(ServerPki.Root, Path.Combine(dir, "cp-ca.crt"));
        await using var cp = await ControlPlaneServer.StartAsync(ServerCertificate, o =>
        {
            o.AuthenticationMode = DataPlaneAuthenticationMode.Pinned;
            o.PinnedCertificatesPath = Path.Combine(dir, "dp.crt");
        });
        var published = await cp.PublishAsync(Config);

        await using var dp = await DataPlaneNode.StartAsync(o =>
        {
            o.Endpoint = cp.Endpoint;
            o.ClientCertificatePath = Path.Combine(dir, "dp.crt");
            o.ClientKeyPath = Path.Combine(dir, "dp.key");
            o.TrustedCaPath = Path.Combine(dir, "cp-ca.crt");
        });

        await Eventually.HoldsAsync(() => dp.Current?.Hash == published.Hash, "the data plane serves the published config");
        Assert.Equal(ConfigOrigin.ControlPlane, dp.Current!.Origin);
        await Eventually.HoldsAsync(() => cp.Registry.Find("dp-1") is { IsConnected: true, SyncStatus: DataPlaneSyncStatus.InSync }, "the registry shows the data plane in sync");
        var info = cp.Registry.Find("dp-1")!;
        Assert.Equal("1.2.3", info.Version);
        Assert.Equal(Environment.MachineName, info.Hostname);
        Assert.Equal("test", info.Labels["region"]);
        Assert.Equal(published.Hash, info.ConfigHash);
        Assert.Contains("dp pinned", info.CertificateSubject);
    }

    [Fact]
    public async Task Unknown_certificate_is_refused_in_pinned_mode()
    {
        await using var cp = await ControlPlaneServer.StartAsync(ServerCertificate, o =>
        {
            o.AuthenticationMode = DataPlaneAuthenticationMode.Pinned;
            o.PinnedCertificates.Add(TestPki.SelfSignedClient("the pinned one"));
        });
        await cp.PublishAsync(Config);

        await using var dp = await DataPlaneNode.StartAsync(o =>
        {
            o.Endpoint = cp.Endpoint;
            o.ClientCertificate = TestPki.SelfSignedClient("a stranger");
            o.TrustedCaCertificates.Add(ServerPki.Root);
        });

        await Eventually.HoldsAsync(() => dp.State.Link is { Status: ClusterLinkStatus.Disconnected, Attempts: >= 2 }, "the link failed twice");
        Assert.NotNull(dp.State.Link.LastError);
        Assert.Null(dp.Current);
        Assert.Empty(cp.Registry.GetAll());
    }

    [Fact]
    public async Task Pki_certificate_sent_with_its_intermediate_is_accepted_when_only_the_root_is_trusted()
    {
        await using var cp = await ControlPlaneServer.StartAsync(ServerCertificate, o =>
        {
            o.AuthenticationMode = DataPlaneAuthenticationMode.Pki;
            o.TrustedCaCertificates.Add(ClientPki.Root);
        });
        var published = await cp.PublishAsync(Config);

        await using var dp = await DataPlaneNode.StartAsync(o =>
        {
            o.Endpoint = cp.Endpoint;
            o.ClientCertificate = ClientPki.IssueClient("dp with chain");
            o.ClientIntermediates.Add(ClientPki.Intermediate);
            o.TrustedCaCertificates.Add(ServerPki.Root);
        });

        await Eventually.HoldsAsync(() => dp.Current?.Hash == published.Hash, "the data plane serves the published config");
    }

    [Fact]
    public async Task Pki_certificate_without_its_intermediate_is_refused_when_only_the_root_is_trusted()
    {
        await using var cp = await ControlPlaneServer.StartAsync(ServerCertificate, o =>
        {
            o.AuthenticationMode = DataPlaneAuthenticationMode.Pki;
            o.TrustedCaCertificates.Add(ClientPki.Root);
        });
        await cp.PublishAsync(Config);

        await using var dp = await DataPlaneNode.StartAsync(o =>
        {
            o.Endpoint = cp.Endpoint;
            o.ClientCertificate = ClientPki.IssueClient("dp without chain");
            o.TrustedCaCertificates.Add(ServerPki.Root);
        });

        await Eventually.HoldsAsync(() => dp.State.Link is { Status: ClusterLinkStatus.Disconnected, Attempts: >= 2 }, "the link failed twice");
        Assert.Null(dp.Current);
        Assert.Empty(cp.Registry.GetAll());
    }

    [Fact]
    public async Task Pki_certificate_without_its_intermediate_is_accepted_when_the_intermediate_is_trusted()
    {
        await using var cp = await ControlPlaneServer.StartAsync(ServerCertificate, o =>
        {
            o.AuthenticationMode = DataPlaneAuthenticationMode.Pki;
            o.TrustedCaCertificates.Add(ClientPki.Intermediate);
        });
        var published = await cp.PublishAsync(Config);

        await using var dp = await DataPlaneNode.StartAsync(o =>
        {
            o.Endpoint = cp.Endpoint;
            o.ClientCertificate = ClientPki.IssueClient("dp leaf only");
            o.TrustedCaCertificates.Add(ServerPki.Root);
        });

        await Eventually.HoldsAsync(() => dp.Current?.Hash == published.Hash, "the data plane serves the published config");
    }

    [Fact]
    public async Task Pki_certificate_from_another_authority_is_refused()
    {
        var other = TestPki.Create("Other");
        await using var cp = await ControlPlaneServer.StartAsync(ServerCertificate, o =>
        {
            o.AuthenticationMode = DataPlaneAuthenticationMode.Pki;
            o.TrustedCaCertificates.Add(ClientPki.Root);
        });
        await cp.PublishAsync(Config);

        await using var dp = await DataPlaneNode.StartAsync(o =>
        {
            o.Endpoint = cp.Endpoint;
            o.ClientCertificate = other.IssueClient("dp of another CA");
            o.ClientIntermediates.Add(other.Intermediate);
            o.TrustedCaCertificates.Add(ServerPki.Root);
        });

        await Eventually.HoldsAsync(() => dp.State.Link is { Status: ClusterLinkStatus.Disconnected, Attempts: >= 2 }, "the link failed twice");
        Assert.Empty(cp.Registry.GetAll());
    }

    [Fact]
    public async Task Data_plane_refuses_a_control_plane_with_the_wrong_name()
    {
        await using var cp = await ControlPlaneServer.StartAsync(ServerPki.IssueServer("cp.example.com"), o =>
        {
            o.AuthenticationMode = DataPlaneAuthenticationMode.Pki;
            o.TrustedCaCertificates.Add(ClientPki.Root);
        });
        await cp.PublishAsync(Config);

        await using var dp = await DataPlaneNode.StartAsync(o =>
        {
            o.Endpoint = cp.Endpoint;
            o.ServerName = "cp.other.com";
            o.ClientCertificate = ClientPki.IssueClient("dp");
            o.ClientIntermediates.Add(ClientPki.Intermediate);
            o.TrustedCaCertificates.Add(ServerPki.Root);
        });

        await Eventually.HoldsAsync(() => dp.State.Link is { Status: ClusterLinkStatus.Disconnected, Attempts: >= 1 }, "the link failed");
        Assert.Contains("not issued for 'cp.other.com'", dp.State.Link.LastError);
        Assert.Null(dp.Current);
        Assert.Empty(cp.Registry.GetAll());
    }

    [Fact]
    public async Task Data_plane_refuses_a_control_plane_signed_by_another_CA()
    {
        await using var cp = await ControlPlaneServer.StartAsync(ServerCertificate, o =>
        {
            o.AuthenticationMode = DataPlaneAuthenticationMode.Pki;
            o.TrustedCaCertificates.Add(ClientPki.Root);
        });
        await cp.PublishAsync(Config);

        await using var dp = await DataPlaneNode.StartAsync(o =>
        {
            o.Endpoint = cp.Endpoint;
            o.ClientCertificate = ClientPki.IssueClient("dp");
            o.ClientIntermediates.Add(ClientPki.Intermediate);
            o.TrustedCaCertificates.Add(TestPki.Create("Unrelated").Root);
        });

        await Eventually.HoldsAsync(() => dp.State.Link is { Status: ClusterLinkStatus.Disconnected, Attempts: >= 1 }, "the link failed");
        Assert.Contains("control plane certificate is not trusted", dp.State.Link.LastError);
        Assert.Null(dp.Current);
        Assert.Empty(cp.Registry.GetAll());
    }
}
