using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Resilience;
using Resilience.ControlPlane;

namespace Resilience.Benchmarks;

/// <summary>A real CP (Kestrel, mTLS, PKI) and real DPs (hosts with the chain and the WebSocket link) on loopback.</summary>
internal sealed class LinkBenchmarkRig : IAsyncDisposable
{
    private readonly X509Certificate2 _serverRoot;
    private readonly X509Certificate2 _clientRoot;
    private readonly X509Certificate2 _clientIntermediate;
    private readonly List<IHost> _dataPlanes = [];
    private WebApplication? _controlPlane;

    public LinkBenchmarkRig()
    {
        _serverRoot = Ca("CN=Bench CP Root", null);
        _clientRoot = Ca("CN=Bench DP Root", null);
        _clientIntermediate = Ca("CN=Bench DP Intermediate", _clientRoot);
        ServerCertificate = Leaf("localhost", _serverRoot, client: false);
    }

    /// <summary>Gets the CP's TLS certificate (for "localhost", issued by the root <see cref="ExportServerRoot"/> writes).</summary>
    public X509Certificate2 ServerCertificate { get; }

    /// <summary>Writes a client identity the CP accepts (a PFX with the leaf, its key and the intermediate) for a process that is not a DP host.</summary>
    public void ExportClientIdentity(string nodeId, string pfxPath)
    {
        using var leaf = Leaf(nodeId, _clientIntermediate, client: true);
        var collection = new X509Certificate2Collection { leaf, X509CertificateLoader.LoadCertificate(_clientIntermediate.RawData) };
        File.WriteAllBytes(pfxPath, collection.Export(X509ContentType.Pkcs12)!);
    }

    /// <summary>Writes the root that issued <see cref="ServerCertificate"/> (DER).</summary>
    public void ExportServerRoot(string path) => File.WriteAllBytes(path, _serverRoot.RawData);

    public Uri Endpoint { get; private set; } = null!;

    public IConfigPublisher Publisher => _controlPlane!.Services.GetRequiredService<IConfigPublisher>();

    public IDataPlaneRegistry Registry => _controlPlane!.Services.GetRequiredService<IDataPlaneRegistry>();

    /// <summary>
    /// Starts the control plane; <paramref name="configure"/> adjusts the hub's options after the rig's own, and
    /// <paramref name="sockets"/> Kestrel's socket transport (the fan-out's host settings); <paramref name="poolBlockBytes"/>
    /// replaces Kestrel's memory pool with <see cref="LargeBlockMemoryPoolFactory"/>'s (an experiment).
    /// </summary>
    public async Task StartControlPlaneAsync(Action<DataPlaneHubOptions>? configure = null, Action<SocketTransportOptions>? sockets = null, int? poolBlockBytes = null)
    {
        var serverCertificate = ServerCertificate;
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        if (sockets is not null)
        {
            builder.WebHost.UseSockets(sockets);
        }

        if (poolBlockBytes is { } block)
        {
            builder.Services.Replace(ServiceDescriptor.Singleton<Microsoft.AspNetCore.Connections.IMemoryPoolFactory<byte>>(new LargeBlockMemoryPoolFactory(block)));
        }

        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, l => l.UseHttps(https =>
        {
            https.ServerCertificate = serverCertificate;
            https.RequireDataPlaneClientCertificate(k.ApplicationServices);
        })));
        builder.Services.AddDataPlaneHub(o =>
        {
            o.AuthenticationMode = DataPlaneAuthenticationMode.Pki;
            o.TrustedCaCertificates.Add(_clientRoot);
            o.MaxMessageBytes = 64L * 1024 * 1024;
            configure?.Invoke(o);
        });
        _controlPlane = builder.Build();
        _controlPlane.MapDataPlaneHub("/v1/outlet");
        await _controlPlane.StartAsync();
        var address = _controlPlane.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        Endpoint = new Uri($"wss://localhost:{new Uri(address).Port}/v1/outlet");
    }

    /// <summary>Starts a data plane host connected to the control plane, or to <paramref name="endpoint"/> (a relay in front of it).</summary>
    public async Task<IDataPlane> StartDataPlaneAsync(string nodeId, Uri? endpoint = null)
    {
        var clientCertificate = Leaf(nodeId, _clientIntermediate, client: true);
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services
            .AddDataPlaneResilience(o =>
            {
                o.DataDirectory = Directory.CreateTempSubdirectory("resilience-bench-").FullName;
                o.NodeId = nodeId;
                o.StartupTimeout = TimeSpan.FromSeconds(1);
            })
            .UseWebSocketClusterLink(o =>
            {
                o.Endpoint = endpoint ?? Endpoint;
                o.ClientCertificate = clientCertificate;
                o.ClientIntermediates.Add(_clientIntermediate);
                o.TrustedCaCertificates.Add(_serverRoot);
                o.ReconnectDelayMin = TimeSpan.FromMilliseconds(50);
                o.ReconnectDelayMax = TimeSpan.FromMilliseconds(200);
            });
        var host = builder.Build();
        await host.StartAsync();
        _dataPlanes.Add(host);
        return host.Services.GetRequiredService<IDataPlane>();
    }

    public async Task WaitConnectedAsync(int count)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(120);
        while (Registry.GetAll().Count(i => i.IsConnected) < count)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"only {Registry.GetAll().Count(i => i.IsConnected)} of {count} data planes connected");
            }

            await Task.Delay(20);
        }
    }

    /// <summary>Waits until every DP has reported (apply result) the hash, i.e. its cache write is done too.</summary>
    public async Task WaitAllReportedAsync(string hash)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(120);
        while (!Registry.GetAll().All(i => i.ConfigHash == hash))
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("the data planes did not report the config");
            }

            await Task.Delay(2);
        }
    }

    /// <summary>A JSON config of about <paramref name="bytes"/> bytes: routes with a few fields each.</summary>
    public static byte[] Config(int bytes, string variant)
    {
        var builder = new StringBuilder(bytes + 1024);
        builder.Append("{\"variant\":\"").Append(variant).Append("\",\"routes\":[");
        var i = 0;
        while (builder.Length < bytes)
        {
            if (i > 0)
            {
                builder.Append(',');
            }

            builder.Append("{\"id\":\"route-").Append(i).Append("\",\"path\":\"/api/v1/service-").Append(i % 977)
                .Append("/items/{id}\",\"cluster\":\"cluster-").Append(i % 53).Append("\",\"timeout_ms\":").Append(1000 + (i % 5000))
                .Append(",\"methods\":[\"GET\",\"POST\"],\"headers\":{\"x-tenant\":\"tenant-").Append(i % 131).Append("\"}}");
            i++;
        }

        builder.Append("]}");
        return Encoding.UTF8.GetBytes(builder.ToString());
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var host in _dataPlanes)
        {
            await host.StopAsync();
            host.Dispose();
        }

        if (_controlPlane is not null)
        {
            await _controlPlane.StopAsync();
            await _controlPlane.DisposeAsync();
        }
    }

    private static X509Certificate2 Ca(string subject, X509Certificate2? issuer)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        if (issuer is null)
        {
            return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        }

        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(issuer, true, false));
        using var signed = request.Create(issuer, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(29), RandomNumberGenerator.GetBytes(12));
        return signed.CopyWithPrivateKey(key);
    }

    private static X509Certificate2 Leaf(string name, X509Certificate2 issuer, bool client)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(client ? "1.3.6.1.5.5.7.3.2" : "1.3.6.1.5.5.7.3.1")], false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(issuer, true, false));
        if (!client)
        {
            var san = new SubjectAlternativeNameBuilder();
            san.AddDnsName(name);
            request.CertificateExtensions.Add(san.Build());
        }

        using var signed = request.Create(issuer, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(20), RandomNumberGenerator.GetBytes(12));
        return signed.CopyWithPrivateKey(key);
    }
}
