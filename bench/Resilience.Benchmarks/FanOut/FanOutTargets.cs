using System.Globalization;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Resilience.ControlPlane;

namespace Resilience.Benchmarks;

/// <summary>
/// What a fan-out benchmark measures against, all on loopback: one control plane (real Kestrel with mutual TLS and
/// the hub), N raw protocol clients in another process (<see cref="FanOutSwarm"/>), and the baselines: the same N
/// peers behind N plain TCP sockets (the physical limit) and N TLS sockets (the limit for a protocol that must encrypt
/// every copy), to which the benchmark writes <see cref="Message"/> itself.
/// </summary>
internal sealed class FanOutTargets : IAsyncDisposable
{
    private TcpListener _rawListener = null!;
    private TcpListener _tlsListener = null!;
    private List<NetworkStream> _raw = [];
    private List<SslStream> _tls = [];
    private string _directory = null!;
    private int _rawRound;
    private int _tlsRound;

    private FanOutTargets(int clients) => Clients = clients;

    public int Clients { get; }

    public LinkBenchmarkRig Rig { get; } = new();

    public SwarmProcess Swarm { get; private set; } = null!;

    /// <summary>Gets the bytes the baselines write: the hub's message for the first configuration.</summary>
    public byte[] Message { get; private set; } = null!;

    /// <summary>Starts everything; every client has <paramref name="initial"/> when it returns.</summary>
    /// <param name="clients">How many clients.</param>
    /// <param name="initial">The configuration published first, whose message the baselines write.</param>
    /// <param name="configure">Adjusts the hub's options.</param>
    /// <param name="deltas">Whether the clients announce the <c>delta</c> capability.</param>
    /// <param name="sockets">Adjusts Kestrel's socket transport.</param>
    /// <param name="poolBlockBytes">Replaces Kestrel's memory pool with one of blocks this large (an experiment).</param>
    public static async Task<FanOutTargets> StartAsync(int clients, byte[] initial, Action<DataPlaneHubOptions>? configure, bool deltas = false, Action<SocketTransportOptions>? sockets = null, int? poolBlockBytes = null)
    {
        // Each process holds 3N sockets (hub, TCP, TLS) plus the runtime's own descriptors.
        OpenFileLimit.Require((3 * clients) + 256);
        var targets = new FanOutTargets(clients);
        await targets.Rig.StartControlPlaneAsync(configure, sockets, poolBlockBytes);
        var first = await targets.Rig.Publisher.PublishAsync(initial);
        targets.Message = first.Message;

        targets._rawListener = new TcpListener(IPAddress.Loopback, 0);
        targets._rawListener.Start(clients);
        targets._tlsListener = new TcpListener(IPAddress.Loopback, 0);
        targets._tlsListener.Start(clients);
        var rawAccepted = targets.AcceptAsync(targets._rawListener, s => Task.FromResult(new NetworkStream(s, ownsSocket: true)));
        var tlsAccepted = targets.AcceptAsync(targets._tlsListener, async s =>
        {
            var tls = new SslStream(new NetworkStream(s, ownsSocket: true), false);
            await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificate = targets.Rig.ServerCertificate });
            return tls;
        });

        targets._directory = Directory.CreateTempSubdirectory("resilience-fan-out-").FullName;
        var identity = Path.Combine(targets._directory, "client.pfx");
        var root = Path.Combine(targets._directory, "server-root.der");
        targets.Rig.ExportClientIdentity("fan-out-swarm", identity);
        targets.Rig.ExportServerRoot(root);
        targets.Swarm = SwarmProcess.Start(
            clients.ToString(CultureInfo.InvariantCulture),
            targets.Rig.Endpoint.ToString(),
            ((IPEndPoint)targets._rawListener.LocalEndpoint).Port.ToString(CultureInfo.InvariantCulture),
            ((IPEndPoint)targets._tlsListener.LocalEndpoint).Port.ToString(CultureInfo.InvariantCulture),
            targets.Message.Length.ToString(CultureInfo.InvariantCulture),
            identity,
            root,
            deltas ? "delta" : "whole");

        // Every client got the initial configuration on connect; measure only once that is done.
        await targets.Swarm.WaitAsync($"config {first.Hash}", TimeSpan.FromMinutes(10));
        await targets.Swarm.WaitAsync("ready", TimeSpan.FromMinutes(10));
        targets._raw = await rawAccepted;
        targets._tls = await tlsAccepted;
        await targets.Rig.WaitConnectedAsync(clients);
        return targets;
    }

    /// <summary>Writes <see cref="Message"/> to the N TCP sockets; returns when the last peer had all of it (the swarm's clock).</summary>
    public async Task<long> WriteTcpAsync()
    {
        var done = Swarm.WaitAsync($"raw {++_rawRound}");
        await Task.WhenAll(_raw.Select(s => s.WriteAsync(Message).AsTask()));
        return await done;
    }

    /// <summary>Writes <see cref="Message"/> to the N TLS sockets; returns when the last peer had all of it.</summary>
    public async Task<long> WriteTlsAsync()
    {
        var done = Swarm.WaitAsync($"tls {++_tlsRound}");
        await Task.WhenAll(_tls.Select(s => s.WriteAsync(Message).AsTask()));
        return await done;
    }

    public async ValueTask DisposeAsync()
    {
        Swarm.Dispose();
        foreach (var stream in _tls)
        {
            await stream.DisposeAsync();
        }

        foreach (var stream in _raw)
        {
            await stream.DisposeAsync();
        }

        _rawListener.Stop();
        _tlsListener.Stop();
        await Rig.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    private async Task<List<T>> AcceptAsync<T>(TcpListener listener, Func<Socket, Task<T>> open)
    {
        var streams = new List<T>(Clients);
        for (var i = 0; i < Clients; i++)
        {
            var socket = await listener.AcceptSocketAsync();
            socket.NoDelay = true;
            streams.Add(await open(socket));
        }

        return streams;
    }
}
