using System.Net;
using System.Net.Sockets;

namespace Resilience.Benchmarks;

/// <summary>
/// A TCP relay on loopback that counts the bytes it carries in each direction: put between a data plane and its control
/// plane (the node's endpoint names the relay's port), it measures what a configuration costs on the wire, TLS and
/// WebSocket framing included. Accepts any number of connections; each is piped to <see cref="Target"/>.
/// </summary>
internal sealed class ByteCountingRelay : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _pipes = [];
    private readonly Task _accepting;
    private long _toClient;
    private long _toServer;

    public ByteCountingRelay(IPEndPoint target)
    {
        Target = target;
        _listener.Start();
        _accepting = Task.Run(AcceptAsync);
    }

    /// <summary>Gets where the relay connects each accepted connection.</summary>
    public IPEndPoint Target { get; }

    /// <summary>Gets the port to connect to instead of <see cref="Target"/>'s.</summary>
    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>Gets the bytes carried from the target to the clients (control plane to data planes) so far.</summary>
    public long ToClient => Interlocked.Read(ref _toClient);

    /// <summary>Gets the bytes carried from the clients to the target so far.</summary>
    public long ToServer => Interlocked.Read(ref _toServer);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accepting.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        Task[] pipes;
        lock (_pipes)
        {
            pipes = [.. _pipes];
        }

        await Task.WhenAll(pipes).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptSocketAsync(_stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            lock (_pipes)
            {
                _pipes.Add(RelayAsync(client));
            }
        }
    }

    private async Task RelayAsync(Socket client)
    {
        using (client)
        using (var server = new Socket(SocketType.Stream, ProtocolType.Tcp))
        {
            client.NoDelay = server.NoDelay = true;
            await server.ConnectAsync(Target, _stop.Token);
            using var either = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
            var up = PipeAsync(client, server, bytes => Interlocked.Add(ref _toServer, bytes), either);
            var down = PipeAsync(server, client, bytes => Interlocked.Add(ref _toClient, bytes), either);
            await Task.WhenAny(up, down);
            await either.CancelAsync();
            await Task.WhenAll(up, down).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    private static async Task PipeAsync(Socket from, Socket to, Action<int> count, CancellationTokenSource either)
    {
        var buffer = new byte[64 * 1024];
        try
        {
            while (true)
            {
                var read = await from.ReceiveAsync(buffer, either.Token);
                if (read == 0)
                {
                    return;
                }

                count(read);
                await to.SendAsync(buffer.AsMemory(0, read), either.Token);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }
    }
}
