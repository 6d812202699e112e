using System.Buffers.Binary;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace Resilience.ControlPlane.Tests;

/// <summary>
/// A data plane that speaks WebSocket by hand over mutual TLS, so a test sees the frames on the wire (a
/// <see cref="System.Net.WebSockets.WebSocket"/> hides how a message was split) and can stop reading at will.
/// </summary>
internal sealed class WireFrameClient : IAsyncDisposable
{
    private readonly TcpClient _tcp;
    private readonly SslStream _tls;

    private WireFrameClient(TcpClient tcp, SslStream tls)
    {
        _tcp = tcp;
        _tls = tls;
    }

    /// <summary>Connects, upgrades and says hello; <paramref name="receiveBufferBytes"/> shrinks the TCP window (a reader that stalls sooner).</summary>
    public static async Task<WireFrameClient> ConnectAsync(Uri endpoint, string nodeId, int? receiveBufferBytes = null)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var tcp = new TcpClient();
        if (receiveBufferBytes is { } size)
        {
            tcp.ReceiveBufferSize = size;
        }

        await tcp.ConnectAsync(endpoint.Host, endpoint.Port, timeout.Token);
        var tls = new SslStream(tcp.GetStream(), false);
        await tls.AuthenticateAsClientAsync(
            new SslClientAuthenticationOptions
            {
                TargetHost = "localhost",
                ApplicationProtocols = [SslApplicationProtocol.Http11],
                ClientCertificateContext = SslStreamCertificateContext.Create(Pki.ClientCertificate, new X509Certificate2Collection(Pki.Client.Intermediate), offline: true),

                // Trust is what the other tests are about; this one is about frames.
                RemoteCertificateValidationCallback = (_, _, _, _) => true,
            },
            timeout.Token);
        var key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(16));
        var request = $"GET {endpoint.PathAndQuery} HTTP/1.1\r\nHost: localhost:{endpoint.Port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + $"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: resilience.link.v1\r\n\r\n";
        await tls.WriteAsync(Encoding.ASCII.GetBytes(request), timeout.Token);

        // The response head, byte by byte so that nothing after it is consumed.
        var head = new StringBuilder();
        var one = new byte[1];
        while (!head.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal))
        {
            if (await tls.ReadAsync(one, timeout.Token) == 0)
            {
                throw new IOException($"closed during the upgrade: {head}");
            }

            head.Append((char)one[0]);
        }

        Assert.StartsWith("HTTP/1.1 101", head.ToString(), StringComparison.Ordinal);
        var client = new WireFrameClient(tcp, tls);
        await client.SendTextAsync($$"""{"type":"hello","protocol":1,"node_id":"{{nodeId}}","hostname":"wire","version":"9.9.9"}""");
        return client;
    }

    /// <summary>Sends one text frame (masked with a zero key, as a client must mask).</summary>
    public async Task SendTextAsync(string json)
    {
        var payload = Encoding.UTF8.GetBytes(json);
        Assert.True(payload.Length <= ushort.MaxValue);
        var frame = new byte[2 + 2 + 4 + payload.Length];
        frame[0] = 0x81;
        frame[1] = 0x80 | 126;
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(2), (ushort)payload.Length);
        payload.CopyTo(frame.AsSpan(8));
        await _tls.WriteAsync(frame);
    }

    /// <summary>Reads one frame as it came on the wire.</summary>
    public async Task<(int Opcode, bool Fin, byte[] Payload)> ReadFrameAsync(CancellationToken cancellationToken)
    {
        var head = new byte[2];
        await _tls.ReadExactlyAsync(head, cancellationToken);
        long length = head[1] & 0x7F;
        if (length == 126)
        {
            var extended = new byte[2];
            await _tls.ReadExactlyAsync(extended, cancellationToken);
            length = BinaryPrimitives.ReadUInt16BigEndian(extended);
        }
        else if (length == 127)
        {
            var extended = new byte[8];
            await _tls.ReadExactlyAsync(extended, cancellationToken);
            length = (long)BinaryPrimitives.ReadUInt64BigEndian(extended);
        }

        Assert.Equal(0, head[1] & 0x80); // a server never masks
        var payload = new byte[length];
        await _tls.ReadExactlyAsync(payload, cancellationToken);
        return (head[0] & 0x0F, (head[0] & 0x80) != 0, payload);
    }

    public ValueTask DisposeAsync()
    {
        _tls.Dispose();
        _tcp.Dispose();
        return ValueTask.CompletedTask;
    }
}
