using System.Net;
using System.Net.Sockets;

namespace Resilience.Integration.Tests;

/// <summary>A plain TCP forwarder on its own port, as a layer-4 load balancer or a port-forward: bytes in, bytes out, nothing parsed.</summary>
internal sealed class TcpRelay : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;
    private int _connections;

    private TcpRelay(int targetPort)
    {
        _listener.Start();
        _accepting = Task.Run(() => AcceptAsync(targetPort));
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>Gets how many connections went through.</summary>
    public int Connections => Volatile.Read(ref _connections);

    public static TcpRelay Start(int targetPort) => new(targetPort);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accepting.ContinueWith(_ => { }, TaskScheduler.Default);
        _stop.Dispose();
    }

    private async Task AcceptAsync(int targetPort)
    {
        while (!_stop.IsCancellationRequested)
        {
            var inbound = await _listener.AcceptTcpClientAsync(_stop.Token);
            Interlocked.Increment(ref _connections);
            _ = Task.Run(async () =>
            {
                using (inbound)
                using (var outbound = new TcpClient())
                {
                    try
                    {
                        await outbound.ConnectAsync(IPAddress.Loopback, targetPort, _stop.Token);
                        using var either = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
                        var up = inbound.GetStream().CopyToAsync(outbound.GetStream(), either.Token);
                        var down = outbound.GetStream().CopyToAsync(inbound.GetStream(), either.Token);
                        await Task.WhenAny(up, down);
                        await either.CancelAsync();
                    }
                    catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException)
                    {
                    }
                }
            });
        }
    }
}
