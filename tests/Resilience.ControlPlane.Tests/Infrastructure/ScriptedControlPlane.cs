using System.Net;
using System.Net.WebSockets;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Resilience.ClusterLink.WebSockets.Protocol;

namespace Resilience.ControlPlane.Tests;

/// <summary>A hostile or broken control plane: Kestrel with TLS whose WebSocket endpoint runs a script per connection.</summary>
internal sealed class ScriptedControlPlane : IAsyncDisposable
{
    private readonly WebApplication _app;
    private int _connections;

    private ScriptedControlPlane(WebApplication app) => _app = app;

    public Uri Endpoint { get; private set; } = null!;

    public static async Task<ScriptedControlPlane> StartAsync(X509Certificate2 serverCertificate, Func<WebSocket, int, Task> script)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        if (Environment.GetEnvironmentVariable("RESILIENCE_TEST_LOGS") == "1")
        {
            builder.Logging.AddConsole().SetMinimumLevel(LogLevel.Debug);
        }

        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, l => l.UseHttps(serverCertificate)));
        var app = builder.Build();
        var server = new ScriptedControlPlane(app);
        app.UseWebSockets();
        app.Map("/v1/outlet", async (HttpContext http) =>
        {
            using var socket = await http.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext { SubProtocol = LinkProtocol.SubProtocol, KeepAliveInterval = TimeSpan.Zero });
            await script(socket, Interlocked.Increment(ref server._connections) - 1);
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server.Endpoint = new Uri($"wss://localhost:{new Uri(address).Port}/v1/outlet");
        return server;
    }

    public static byte[] ConfigMessage(string json, string? hash = null, byte[]? gzip = null)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(json);
        return LinkFraming.EncodeBinary(
            new BinaryHeader { Type = LinkProtocol.Types.Config, Hash = hash ?? ConfigHash.Compute(bytes), Version = "v", Encoding = LinkProtocol.Encodings.Gzip },
            gzip ?? TestGzip.Compress(bytes));
    }

    /// <summary>Receives the next control message of a type, skipping others (heartbeats).</summary>
    public static async Task<System.Text.Json.JsonElement> ReceiveControlAsync(WebSocket socket, string type)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (true)
        {
            var frame = await LinkFraming.ReceiveAsync(socket, 1024 * 1024, null, cts.Token) ?? throw new InvalidOperationException("closed");
            var (received, root) = LinkFraming.ParseControl(frame);
            if (received == type)
            {
                return root;
            }
        }
    }

    /// <summary>Reads until the peer closes; returns its close status.</summary>
    public static async Task<WebSocketCloseStatus?> ReceiveCloseAsync(WebSocket socket)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            while (await LinkFraming.ReceiveAsync(socket, 64 * 1024 * 1024, null, cts.Token) is not null)
            {
            }
        }
        catch (WebSocketException)
        {
        }

        return socket.CloseStatus;
    }

    public async ValueTask DisposeAsync()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await _app.StopAsync(cts.Token);
        await _app.DisposeAsync();
    }
}
