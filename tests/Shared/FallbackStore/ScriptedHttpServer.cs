using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Resilience.Tests.FallbackStore;

/// <summary>
/// A raw HTTP/1.1 server on 127.0.0.1 for failure tests: it records every request (method, target, headers)
/// and answers each with a fixed status and body, or never answers (<see cref="Hang"/>).
/// </summary>
public sealed class ScriptedHttpServer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentQueue<RecordedRequest> _requests = new();
    private readonly Task _accepting;

    public ScriptedHttpServer(int status, string body = "", string contentType = "application/xml", IReadOnlyDictionary<string, string>? headers = null)
    {
        Status = status;
        Body = body;
        ContentType = contentType;
        Headers = headers ?? new Dictionary<string, string>();
        _listener.Start();
        _accepting = AcceptAsync();
    }

    /// <summary>A server that accepts and reads requests but never answers.</summary>
    public static ScriptedHttpServer Hang() => new(0);

    public int Status { get; }

    public string Body { get; }

    public string ContentType { get; }

    public IReadOnlyDictionary<string, string> Headers { get; }

    public string Endpoint => $"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";

    public IReadOnlyList<RecordedRequest> Requests => _requests.ToArray();

    /// <summary>A port nothing listens on (<see cref="FreePort"/>: below the ephemeral range, where no port-0 listener lands).</summary>
    public static int ClosedPort() => FreePort.Next();

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
                var stream = client.GetStream();
                var head = await ReadHeadAsync(stream);
                if (head is null)
                {
                    return;
                }

                var lines = head.Split("\r\n");
                var requestLine = lines[0].Split(' ');
                var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
                foreach (var line in lines.Skip(1).Where(l => l.Contains(':', StringComparison.Ordinal)))
                {
                    var colon = line.IndexOf(':', StringComparison.Ordinal);
                    headers[line[..colon].Trim()] = line[(colon + 1)..].Trim();
                }

                if (headers.TryGetValue("Content-Length", out var length) && int.TryParse(length, out var bodyLength) && bodyLength > 0)
                {
                    var body = new byte[bodyLength];
                    await stream.ReadExactlyAsync(body, _stop.Token);
                }

                _requests.Enqueue(new RecordedRequest(requestLine[0], requestLine.Length > 1 ? requestLine[1] : string.Empty, headers));
                if (Status == 0)
                {
                    await Task.Delay(Timeout.Infinite, _stop.Token);
                    return;
                }

                var payload = Encoding.UTF8.GetBytes(Body);
                var response = new StringBuilder()
                    .Append(CultureInfoInvariant($"HTTP/1.1 {Status} Scripted\r\n"))
                    .Append(CultureInfoInvariant($"Content-Type: {ContentType}\r\n"))
                    .Append(CultureInfoInvariant($"Content-Length: {payload.Length}\r\n"))
                    .Append("Connection: close\r\n");
                foreach (var (name, value) in Headers)
                {
                    response.Append(CultureInfoInvariant($"{name}: {value}\r\n"));
                }

                response.Append("\r\n");
                await stream.WriteAsync(Encoding.ASCII.GetBytes(response.ToString()), _stop.Token);
                await stream.WriteAsync(payload, _stop.Token);
            }
            catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
            {
            }
        }
    }

    private static string CultureInfoInvariant(FormattableString value) => FormattableString.Invariant(value);

    private async Task<string?> ReadHeadAsync(NetworkStream stream)
    {
        var buffer = new List<byte>();
        var one = new byte[1];
        while (await stream.ReadAsync(one, _stop.Token) == 1)
        {
            buffer.Add(one[0]);
            var n = buffer.Count;
            if (n >= 4 && buffer[n - 4] == '\r' && buffer[n - 3] == '\n' && buffer[n - 2] == '\r' && buffer[n - 1] == '\n')
            {
                return Encoding.ASCII.GetString(buffer.ToArray(), 0, n - 4);
            }
        }

        return null;
    }
}

/// <summary>A request the scripted server saw.</summary>
public sealed record RecordedRequest(string Method, string Target, IReadOnlyDictionary<string, string> Headers);
