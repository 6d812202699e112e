namespace Resilience.ControlPlane.Tests;

/// <summary>The link through a real https proxy (squid <c>https_port</c>) with Basic credentials: TLS to the proxy verified against a CA, or not verified.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class HttpsProxyTests
{
    private const string Config = """{"routes":[{"path":"/through-https-proxy"}]}""";
    private static readonly TestPki ProxyPki = TestPki.Create("Proxy");

    [Fact]
    public async Task Link_through_an_https_proxy_verified_against_its_CA_receives_the_config()
    {
        using var proxy = await ProxyProcess.StartSquidHttpsAsync(ProxyPki.IssueServer("localhost"), "linkuser", "s3cret");
        var caPath = Path.Combine(proxy.Directory, "proxy-ca.crt");
        TestPki.WritePem(ProxyPki.Root, caPath);
        await using var cp = await ControlPlaneServer.StartAsync(Pki.ServerCertificate, Pki.Hub);
        var published = await cp.PublishAsync(Config);

        await using var dp = await DataPlaneNode.StartAsync(o =>
        {
            Pki.Link(cp.Endpoint)(o);
            o.UseProxy = true;
            o.ProxyUri = new Uri($"https://linkuser:s3cret@127.0.0.1:{proxy.Port}");
            o.ProxyTlsVerify = true;
            o.ProxyTrustedCaPath = caPath;
        });

        await Eventually.HoldsAsync(() => dp.Current?.Hash == published.Hash, "the data plane serves the config through the https proxy");
    }

    [Fact]
    public async Task Https_proxy_with_an_untrusted_certificate_is_refused_unless_verification_is_off()
    {
        using var proxy = await ProxyProcess.StartSquidHttpsAsync(ProxyPki.IssueServer("localhost"), "linkuser", "s3cret");
        await using var cp = await ControlPlaneServer.StartAsync(Pki.ServerCertificate, Pki.Hub);
        var published = await cp.PublishAsync(Config);
        var proxyUri = new Uri($"https://linkuser:s3cret@127.0.0.1:{proxy.Port}");

        await using (var verifying = await DataPlaneNode.StartAsync(o =>
        {
            Pki.Link(cp.Endpoint)(o);
            o.UseProxy = true;
            o.ProxyUri = proxyUri;
        }))
        {
            await Eventually.HoldsAsync(() => verifying.State.Link is { Status: ClusterLinkStatus.Disconnected, Attempts: >= 1 }, "the link failed");
            Assert.Contains("proxy certificate is not trusted", verifying.State.Link.LastError);
            Assert.Null(verifying.Current);
        }

        await using var trusting = await DataPlaneNode.StartAsync(o =>
        {
            Pki.Link(cp.Endpoint)(o);
            o.UseProxy = true;
            o.ProxyUri = proxyUri;
            o.ProxyTlsVerify = false;
        });
        await Eventually.HoldsAsync(() => trusting.Current?.Hash == published.Hash, "the data plane serves the config with proxy verification off");
    }
}
