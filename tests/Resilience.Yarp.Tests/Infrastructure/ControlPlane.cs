using System.Net;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Resilience.ControlPlane;
using Resilience.ControlPlane.Tests;

namespace Resilience.Yarp.Tests;

/// <summary>
/// A real control plane (src/Resilience.ControlPlane) on Kestrel, 127.0.0.1, mutual TLS with certificates generated
/// here: the hub trusts the gateway's client root, the gateway trusts the hub's server root.
/// </summary>
internal sealed class ControlPlane : IAsyncDisposable
{
    private const string HubPath = "/v1/outlet";
    private static readonly TestPki ServerPki = TestPki.Create("Yarp test CP");
    private static readonly TestPki ClientPki = TestPki.Create("Yarp test gateway");
    private static readonly X509Certificate2 ServerCertificate = ServerPki.IssueServer("localhost");
    private static readonly X509Certificate2 ClientCertificate = ClientPki.IssueClient("gateway");

    private readonly WebApplication _app;
    private int _disposed;

    private ControlPlane(WebApplication app, Uri endpoint)
    {
        _app = app;
        Endpoint = endpoint;
    }

    public Uri Endpoint { get; }

    public IDataPlaneRegistry Registry => _app.Services.GetRequiredService<IDataPlaneRegistry>();

    /// <summary>Counts the configurations this control plane writes to data planes from now on (its own meter only).</summary>
    public Microsoft.Extensions.Diagnostics.Metrics.Testing.MetricCollector<long> CountConfigsSent() =>
        new(_app.Services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(), ControlPlaneTelemetry.MeterName, "resilience.control_plane.configs.sent");

    public static async Task<ControlPlane> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen => listen.UseHttps(https =>
        {
            https.ServerCertificate = ServerCertificate;
            https.RequireDataPlaneClientCertificate(kestrel.ApplicationServices);
        })));
        builder.Services.AddDataPlaneHub(o =>
        {
            o.AuthenticationMode = DataPlaneAuthenticationMode.Pki;
            o.TrustedCaCertificates.Add(ClientPki.Root);
        });
        var app = builder.Build();
        app.MapDataPlaneHub(HubPath);
        await app.StartAsync();
        var port = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First()).Port;
        return new ControlPlane(app, new Uri($"wss://localhost:{port}{HubPath}"));
    }

    /// <summary>The gateway's side: the WebSocket link to this control plane, with fast heartbeats and reconnects for tests.</summary>
    public void Link(IDataPlaneResilienceBuilder chain) => chain.UseWebSocketClusterLink(o =>
    {
        o.Endpoint = Endpoint;
        o.ClientCertificate = ClientCertificate;
        o.ClientIntermediates.Add(ClientPki.Intermediate);
        o.TrustedCaCertificates.Add(ServerPki.Root);
        o.HeartbeatInterval = TimeSpan.FromMilliseconds(500);
        o.HeartbeatTimeout = TimeSpan.FromSeconds(5);
        o.ReconnectDelayMin = TimeSpan.FromMilliseconds(50);
        o.ReconnectDelayMax = TimeSpan.FromMilliseconds(150);
        o.ConnectTimeout = TimeSpan.FromSeconds(10);
    });

    /// <summary>The operators' view of staged rollouts on this control plane.</summary>
    public IConfigRollouts Rollouts => _app.Services.GetRequiredService<IConfigRollouts>();

    /// <summary>Publishes to everyone at once, or in the waves of <paramref name="plan"/>.</summary>
    public async Task<PublishedConfig> PublishAsync(string json, RolloutPlan? plan = null) =>
        await _app.Services.GetRequiredService<IConfigPublisher>().PublishAsync(System.Text.Encoding.UTF8.GetBytes(json), version: null, plan);

    public async ValueTask DisposeAsync()
    {
        // A test stops a control plane in the middle (an outage) and its using statement disposes it again.
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await _app.StopAsync(stop.Token);
        await _app.DisposeAsync();
    }
}
