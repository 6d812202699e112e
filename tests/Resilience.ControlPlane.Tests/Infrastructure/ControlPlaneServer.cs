using System.Net;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Resilience.ControlPlane.Tests;

/// <summary>A real control plane: Kestrel on 127.0.0.1 with mutual TLS and the hub at <c>/v1/outlet</c>.</summary>
internal sealed class ControlPlaneServer : IAsyncDisposable
{
    public const string Path = "/v1/outlet";
    private readonly WebApplication _app;
    private readonly bool _admin;
    private bool _started;
    private bool _disposed;

    private ControlPlaneServer(WebApplication app, int requestedPort, bool admin)
    {
        _app = app;
        Port = requestedPort;
        _admin = admin;
    }

    public int Port { get; private set; }

    /// <summary>Gets the plain-HTTP operator listener (loopback), when the server was created with one.</summary>
    public Uri? AdminEndpoint { get; private set; }

    public Uri Endpoint => new($"wss://localhost:{Port}{Path}");

    public IConfigPublisher Publisher => _app.Services.GetRequiredService<IConfigPublisher>();

    public IDataPlaneRegistry Registry => _app.Services.GetRequiredService<IDataPlaneRegistry>();

    public IServiceProvider Services => _app.Services;

    /// <summary>Builds (not starts) a control plane. Port 0 picks a free port at start.</summary>
    public static ControlPlaneServer Create(X509Certificate2 serverCertificate, Action<DataPlaneHubOptions> configure, int port = 0, Action<IServiceCollection>? services = null, Action<WebApplication>? map = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        if (Environment.GetEnvironmentVariable("RESILIENCE_TEST_LOGS") == "1")
        {
            builder.Logging.AddConsole().SetMinimumLevel(LogLevel.Debug);
        }

        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(IPAddress.Loopback, port, listen => listen.UseHttps(https =>
            {
                https.ServerCertificate = serverCertificate;
                https.RequireDataPlaneClientCertificate(kestrel.ApplicationServices);
            }));

            // Operator endpoints (a page a browser opens) on a second, plain listener, as the sample control plane has.
            if (map is not null)
            {
                kestrel.Listen(IPAddress.Loopback, 0);
            }
        });
        builder.Services.AddDataPlaneHub(configure);
        services?.Invoke(builder.Services);
        var app = builder.Build();
        app.MapDataPlaneHub(Path);
        map?.Invoke(app);
        return new ControlPlaneServer(app, port, map is not null);
    }

    public static async Task<ControlPlaneServer> StartAsync(X509Certificate2 serverCertificate, Action<DataPlaneHubOptions> configure, int port = 0, Action<IServiceCollection>? services = null, Action<WebApplication>? map = null)
    {
        var server = Create(serverCertificate, configure, port, services, map);
        await server.StartAsync();
        return server;
    }

    public async Task StartAsync()
    {
        await _app.StartAsync();
        _started = true;
        var addresses = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Select(a => new Uri(a)).ToArray();
        Port = addresses.First(a => a.Scheme == Uri.UriSchemeHttps).Port;
        AdminEndpoint = _admin ? addresses.First(a => a.Scheme == Uri.UriSchemeHttp) : null;
    }

    public Task<PublishedConfig> PublishAsync(string json, string? version = null) =>
        Publisher.PublishAsync(System.Text.Encoding.UTF8.GetBytes(json), version).AsTask();

    /// <summary>Stops the host as SIGTERM does (application stopping, then Kestrel).</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _started = false;
        await _app.StopAsync(cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        if (_started)
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await StopAsync(cts.Token);
        }

        await _app.DisposeAsync();
    }
}
