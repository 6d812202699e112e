using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Resilience.Storage.Azure.Tests;

/// <summary>What the proxy does to a connection.</summary>
public enum Fault
{
    /// <summary>Relays the connection to Azurite byte for byte.</summary>
    None,

    /// <summary>Reads the request and answers <c>503 ServerBusy</c>, as Azure Storage does when it throttles.</summary>
    ServiceUnavailable,

    /// <summary>Reads the request and answers <c>500 InternalError</c>.</summary>
    InternalError,

    /// <summary>Reads the request and never answers (a stalled service).</summary>
    Stall,
}

/// <summary>
/// A TCP proxy on 127.0.0.1 in front of a real Azurite: the next <c>n</c> connections get a fault (an Azure-shaped
/// 503 or 500 with <c>Connection: close</c>, or no answer at all), every other one is relayed untouched, so the store's
/// client sees a real service that fails the way Azure Storage fails. Counts the connections it faulted.
/// </summary>
public sealed class FaultInjectingProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly int _targetPort;
    private readonly Task _accepting;
    private Fault _fault;
    private int _remaining;
    private int _faulted;
    private int _relayed;

    public FaultInjectingProxy(int targetPort)
    {
        _targetPort = targetPort;
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>Gets how many connections got a fault.</summary>
    public int Faulted => Volatile.Read(ref _faulted);

    /// <summary>Gets how many connections were relayed to Azurite.</summary>
    public int Relayed => Volatile.Read(ref _relayed);

    /// <summary>The next <paramref name="connections"/> connections get <paramref name="fault"/>; later ones are relayed.</summary>
    public void Inject(Fault fault, int connections = int.MaxValue)
    {
        lock (_stop)
        {
            _fault = fault;
            _remaining = connections;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        try
        {
            await _accepting;
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }

        _stop.Dispose();
    }

    private Fault Next()
    {
        lock (_stop)
        {
            if (_fault == Fault.None || _remaining <= 0)
            {
                return Fault.None;
            }

            _remaining--;
            return _fault;
        }
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var client = await _listener.AcceptTcpClientAsync(_stop.Token);
            _ = Task.Run(() => ServeAsync(client));
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using (client)
        {
            try
            {
                var fault = Next();
                if (fault == Fault.None)
                {
                    Interlocked.Increment(ref _relayed);
                    using var upstream = new TcpClient();
                    await upstream.ConnectAsync(IPAddress.Loopback, _targetPort, _stop.Token);
                    using var relay = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
                    var up = client.GetStream().CopyToAsync(upstream.GetStream(), relay.Token);
                    var down = upstream.GetStream().CopyToAsync(client.GetStream(), relay.Token);
                    await Task.WhenAny(up, down);
                    await relay.CancelAsync();
                    return;
                }

                Interlocked.Increment(ref _faulted);
                var stream = client.GetStream();
                await ReadRequestAsync(stream);
                if (fault == Fault.Stall)
                {
                    await Task.Delay(Timeout.Infinite, _stop.Token);
                    return;
                }

                var (status, reason, code) = fault == Fault.ServiceUnavailable
                    ? (503, "Service Unavailable", "ServerBusy")
                    : (500, "Internal Server Error", "InternalError");
                var body = Encoding.UTF8.GetBytes($"<?xml version=\"1.0\" encoding=\"utf-8\"?><Error><Code>{code}</Code><Message>Injected by the test proxy.</Message></Error>");
                var head = $"HTTP/1.1 {status} {reason}\r\nContent-Type: application/xml\r\nContent-Length: {body.Length}\r\nx-ms-error-code: {code}\r\nConnection: close\r\n\r\n";
                await stream.WriteAsync(Encoding.ASCII.GetBytes(head), _stop.Token);
                await stream.WriteAsync(body, _stop.Token);
            }
            catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
            {
            }
        }
    }

    /// <summary>Reads one request's head and its Content-Length body, so the client has sent everything before the answer.</summary>
    private async Task ReadRequestAsync(NetworkStream stream)
    {
        var head = new List<byte>();
        var one = new byte[1];
        while (await stream.ReadAsync(one, _stop.Token) == 1)
        {
            head.Add(one[0]);
            var n = head.Count;
            if (n >= 4 && head[n - 4] == '\r' && head[n - 3] == '\n' && head[n - 2] == '\r' && head[n - 1] == '\n')
            {
                break;
            }
        }

        var text = Encoding.ASCII.GetString(head.ToArray());
        foreach (var line in text.Split("\r\n"))
        {
            if (line.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase) && int.TryParse(line["Content-Length:".Length..].Trim(), out var length) && length > 0)
            {
                await stream.ReadExactlyAsync(new byte[length], _stop.Token);
            }
        }
    }
}
