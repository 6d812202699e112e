namespace Resilience.ControlPlane.Tests;

/// <summary>The link through a real forward proxy with Basic credentials (tinyproxy).</summary>
public sealed class ForwardProxyTests
{
    private const string Config = """{"routes":[{"path":"/through-proxy"}]}""";

    [Fact]
    public async Task Link_through_tinyproxy_with_basic_auth_receives_the_config()
    {
        using var proxy = await ProxyProcess.StartTinyproxyAsync("linkuser", "s3cret");
        await using var cp = await ControlPlaneServer.StartAsync(Pki.ServerCertificate, Pki.Hub);
        var published = await cp.PublishAsync(Config);

        await using var dp = await DataPlaneNode.StartAsync(o =>
        {
            Pki.Link(cp.Endpoint)(o);
            o.UseProxy = true;
            o.ProxyUri = new Uri($"http://linkuser:s3cret@127.0.0.1:{proxy.Port}");
        });

        await Eventually.HoldsAsync(() => dp.Current?.Hash == published.Hash, "the data plane serves the config through the proxy");
        var log = await File.ReadAllTextAsync(Path.Combine(proxy.Directory, "tinyproxy.log"));
        Assert.Contains($"CONNECT localhost:{cp.Port}", log);
    }

    [Fact]
    public async Task Link_through_tinyproxy_with_wrong_credentials_is_refused_and_keeps_retrying()
    {
        using var proxy = await ProxyProcess.StartTinyproxyAsync("linkuser", "s3cret");
        await using var cp = await ControlPlaneServer.StartAsync(Pki.ServerCertificate, Pki.Hub);
        await cp.PublishAsync(Config);

        await using var dp = await DataPlaneNode.StartAsync(o =>
        {
            Pki.Link(cp.Endpoint)(o);
            o.UseProxy = true;
            o.ProxyUri = new Uri($"http://linkuser:wrong@127.0.0.1:{proxy.Port}");
        });

        await Eventually.HoldsAsync(() => dp.State.Link is { Status: ClusterLinkStatus.Disconnected, Attempts: >= 2 }, "the link failed twice");
        Assert.Contains("refused the tunnel", dp.State.Link.LastError);
        Assert.Matches("40[17]", dp.State.Link.LastError);
        Assert.Null(dp.Current);
        Assert.Empty(cp.Registry.GetAll());
    }

    [Fact]
    public async Task Link_through_tinyproxy_without_credentials_is_told_credentials_are_required()
    {
        using var proxy = await ProxyProcess.StartTinyproxyAsync("linkuser", "s3cret");
        await using var cp = await ControlPlaneServer.StartAsync(Pki.ServerCertificate, Pki.Hub);

        await using var dp = await DataPlaneNode.StartAsync(o =>
        {
            Pki.Link(cp.Endpoint)(o);
            o.UseProxy = true;
            o.ProxyUri = new Uri($"http://127.0.0.1:{proxy.Port}");
        });

        await Eventually.HoldsAsync(() => dp.State.Link is { Status: ClusterLinkStatus.Disconnected, Attempts: >= 1 }, "the link failed");
        Assert.Contains("407", dp.State.Link.LastError);
        Assert.Contains("requires credentials", dp.State.Link.LastError);
    }
}
