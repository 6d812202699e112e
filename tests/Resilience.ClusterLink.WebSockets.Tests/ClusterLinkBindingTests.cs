using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Resilience.ClusterLink.WebSockets.Tests;

/// <summary>
/// The link's section is bound (by the binding source generator) through <see cref="ClusterLinkBindableOptions"/>,
/// which leaves the certificate objects out: every other setting must still bind, and a value set before binding
/// must survive a section that does not name it.
/// </summary>
public sealed class ClusterLinkBindingTests
{
    [Fact]
    public void Every_setting_but_the_certificate_objects_has_a_bindable_twin()
    {
        var bindable = typeof(ClusterLinkBindableOptions).GetProperties().ToDictionary(p => p.Name, p => p.PropertyType);
        var missing = typeof(ClusterLinkOptions).GetProperties()
            .Where(p => p.PropertyType != typeof(X509Certificate2) && p.PropertyType != typeof(X509Certificate2Collection))
            .Where(p => !bindable.TryGetValue(p.Name, out var type) || type != p.PropertyType)
            .Select(p => p.Name)
            .ToList();

        Assert.Empty(missing);
    }

    [Fact]
    public void Every_key_binds_and_an_absent_key_keeps_its_default()
    {
        var values = new Dictionary<string, string?>
        {
            ["Resilience:ClusterLink:Endpoint"] = "wss://cp.example.com:8005/v1/outlet",
            ["Resilience:ClusterLink:ServerName"] = "cp.internal",
            ["Resilience:ClusterLink:ClientCertificatePath"] = "/etc/dp/cluster.crt",
            ["Resilience:ClusterLink:ClientKeyPath"] = "/etc/dp/cluster.key",
            ["Resilience:ClusterLink:ClientCertificatePassword"] = "secret",
            ["Resilience:ClusterLink:ClientIntermediatesPath"] = "/etc/dp/intermediates.pem",
            ["Resilience:ClusterLink:TrustedCaPath"] = "/etc/dp/ca.pem",
            ["Resilience:ClusterLink:HeartbeatInterval"] = "00:00:07",
            ["Resilience:ClusterLink:HeartbeatTimeout"] = "00:00:21",
            ["Resilience:ClusterLink:ReconnectDelayMin"] = "00:00:01",
            ["Resilience:ClusterLink:ReconnectDelayMax"] = "00:00:02",
            ["Resilience:ClusterLink:ConnectTimeout"] = "00:00:03",
            ["Resilience:ClusterLink:WriteTimeout"] = "00:00:04",
            ["Resilience:ClusterLink:MaxFrameBytes"] = "2048",
            ["Resilience:ClusterLink:MaxDecompressedBytes"] = "4096",
            ["Resilience:ClusterLink:UseProxy"] = "true",
            ["Resilience:ClusterLink:ProxyUri"] = "http://proxy.internal:3128",
            ["Resilience:ClusterLink:ProxyTrustedCaPath"] = "/etc/dp/proxy-ca.pem",
        };
        var section = new ConfigurationBuilder().AddInMemoryCollection(values).Build().GetSection("Resilience");
        var services = new ServiceCollection().AddLogging();
        services.AddDataPlaneResilience(section).UseWebSocketClusterLink();
        using var provider = services.BuildServiceProvider();

        var o = provider.GetRequiredService<IOptions<ClusterLinkOptions>>().Value;

        Assert.Equal(new Uri("wss://cp.example.com:8005/v1/outlet"), o.Endpoint);
        Assert.Equal("cp.internal", o.ServerName);
        Assert.Equal("/etc/dp/cluster.crt", o.ClientCertificatePath);
        Assert.Equal("/etc/dp/cluster.key", o.ClientKeyPath);
        Assert.Equal("secret", o.ClientCertificatePassword);
        Assert.Equal("/etc/dp/intermediates.pem", o.ClientIntermediatesPath);
        Assert.Equal("/etc/dp/ca.pem", o.TrustedCaPath);
        Assert.Equal(TimeSpan.FromSeconds(7), o.HeartbeatInterval);
        Assert.Equal(TimeSpan.FromSeconds(21), o.HeartbeatTimeout);
        Assert.Equal(TimeSpan.FromSeconds(1), o.ReconnectDelayMin);
        Assert.Equal(TimeSpan.FromSeconds(2), o.ReconnectDelayMax);
        Assert.Equal(TimeSpan.FromSeconds(3), o.ConnectTimeout);
        Assert.Equal(TimeSpan.FromSeconds(4), o.WriteTimeout);
        Assert.Equal(2048, o.MaxFrameBytes);
#pragma warning disable CS0618 // obsolete (the chain's limits apply), but existing configuration must keep binding
        Assert.Equal(4096, o.MaxDecompressedBytes);
#pragma warning restore CS0618
        Assert.True(o.UseProxy);
        Assert.Equal(new Uri("http://proxy.internal:3128"), o.ProxyUri);
        Assert.Equal("/etc/dp/proxy-ca.pem", o.ProxyTrustedCaPath);
        Assert.True(o.ProxyTlsVerify); // not in the section: the default stays
        Assert.Empty(o.Endpoints);
    }

    [Fact]
    public void A_certificate_set_in_code_survives_binding_and_the_delegate_runs_after_it()
    {
        using var key = System.Security.Cryptography.ECDsa.Create();
        using var certificate = new CertificateRequest("CN=dp", key, System.Security.Cryptography.HashAlgorithmName.SHA256)
            .CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        var section = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Resilience:ClusterLink:Endpoints:0"] = "wss://cp-1.example.com:8005/v1/outlet",
            ["Resilience:ClusterLink:HeartbeatInterval"] = "00:00:07",
        }).Build().GetSection("Resilience");
        var services = new ServiceCollection().AddLogging();
        services.AddDataPlaneResilience(section).UseWebSocketClusterLink(o =>
        {
            o.ClientCertificate = certificate;
            o.Endpoints.Add(new Uri("wss://cp-2.example.com:8005/v1/outlet"));
        });
        using var provider = services.BuildServiceProvider();

        var options = provider.GetRequiredService<IOptions<ClusterLinkOptions>>().Value;

        Assert.Same(certificate, options.ClientCertificate);
        Assert.Equal(TimeSpan.FromSeconds(7), options.HeartbeatInterval);
        Assert.Equal([new Uri("wss://cp-1.example.com:8005/v1/outlet"), new Uri("wss://cp-2.example.com:8005/v1/outlet")], options.Endpoints);
    }
}
