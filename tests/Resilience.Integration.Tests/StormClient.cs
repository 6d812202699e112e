using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.Net.Security;
using System.Net.WebSockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;

namespace Resilience.Integration.Tests;

/// <summary>
/// A raw protocol client for reconnect storms (as the fan-out swarm of <c>bench/</c>): mutual TLS, the WebSocket upgrade,
/// hello, and the configuration read to its end; no node pipeline, so a thousand fit in one test process. A busy answer
/// (503 or 429) is honoured as a node does: the Retry-After it names, never less than the reconnect minimum (5 s),
/// plus a random spread of up to 5 s.
/// </summary>
internal sealed class StormClient : IAsyncDisposable
{
    private static readonly TimeSpan ReconnectMinimum = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan Spread = TimeSpan.FromSeconds(5);
    private readonly string _nodeId;
    private ClientWebSocket? _socket;

    /// <summary>Creates a client with its node id.</summary>
    public StormClient(string nodeId) => _nodeId = nodeId;

    /// <summary>Gets how often the control plane answered busy.</summary>
    public int Refused { get; private set; }

    /// <summary>Gets how many busy answers named no Retry-After.</summary>
    public int RefusedWithoutRetryAfter { get; private set; }

    /// <summary>Gets the connection failures that were not a busy answer.</summary>
    public int Failed { get; private set; }

    /// <summary>Gets the <see cref="Stopwatch"/> timestamp when the whole expected configuration had arrived, or 0.</summary>
    public long SyncedAt { get; private set; }

    /// <summary>Gets the last error, for a failure message.</summary>
    public string? LastError { get; private set; }

    /// <summary>Connects (after <paramref name="startDelay"/>), honouring busy answers, until it holds the expected configuration.</summary>
    public async Task RunAsync(HttpMessageInvoker invoker, Uri hub, string expectedHash, TimeSpan startDelay, CancellationToken cancellationToken)
    {
        var client = this;
        var nodeId = _nodeId;
        await Task.Delay(startDelay, cancellationToken);
        while (client.SyncedAt == 0)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var socket = new ClientWebSocket();
            socket.Options.AddSubProtocol("resilience.link.v1");
            socket.Options.KeepAliveInterval = TimeSpan.Zero;
            socket.Options.CollectHttpResponseDetails = true;
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                timeout.CancelAfter(TimeSpan.FromSeconds(30));
                await socket.ConnectAsync(hub, invoker, timeout.Token);
            }
            catch (Exception ex) when (ex is WebSocketException or HttpRequestException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
            {
                var status = (int)socket.HttpStatusCode;
                var headers = socket.HttpResponseHeaders;
                socket.Dispose();
                client.LastError = $"{status}: {ex.Message} ({ex.GetBaseException().Message})";
                TimeSpan wait;
                if (status is 503 or 429)
                {
                    client.Refused++;
                    var asked = RetryAfter(headers);
                    if (asked is null)
                    {
                        client.RefusedWithoutRetryAfter++;
                    }

                    wait = (asked is { } a && a > ReconnectMinimum ? a : ReconnectMinimum) + (Spread * Random.Shared.NextDouble());
                }
                else
                {
                    client.Failed++;
                    wait = ReconnectMinimum + (Spread * Random.Shared.NextDouble());
                }

                await Task.Delay(wait, cancellationToken);
                continue;
            }

            client._socket = socket;
            try
            {
                await socket.SendAsync(Encoding.UTF8.GetBytes($"{{\"type\":\"hello\",\"protocol\":1,\"node_id\":\"{nodeId}\",\"hostname\":\"storm\",\"version\":\"storm\"}}"), WebSocketMessageType.Text, true, cancellationToken);
                if (await ReceiveUntilAsync(socket, expectedHash, cancellationToken))
                {
                    client.SyncedAt = Stopwatch.GetTimestamp();
                }
            }
            catch (Exception ex) when (ex is WebSocketException or IOException)
            {
                client.Failed++;
                client.LastError = ex.Message;
                client._socket = null;
                socket.Dispose();
            }
        }
    }

    /// <summary>One handler for all clients: the client certificate with its intermediate, and the server checked against the root.</summary>
    public static SocketsHttpHandler Handler(X509Certificate2 clientCertificate, X509Certificate2 clientIntermediate, X509Certificate2 serverRoot) => new()
    {
        SslOptions = new SslClientAuthenticationOptions
        {
            ClientCertificateContext = SslStreamCertificateContext.Create(clientCertificate, [clientIntermediate], offline: true),
            RemoteCertificateValidationCallback = (_, certificate, sent, errors) =>
            {
                if (certificate is null || (errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0)
                {
                    return false;
                }

                // The intermediates the server sent with its leaf, trusted only as far as they chain to the root.
                using var chain = new X509Chain();
                if (sent is not null)
                {
                    foreach (var element in sent.ChainElements)
                    {
                        chain.ChainPolicy.ExtraStore.Add(element.Certificate);
                    }
                }

                chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                chain.ChainPolicy.CustomTrustStore.Add(serverRoot);
                chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                return chain.Build(X509CertificateLoader.LoadCertificate(certificate.GetRawCertData()));
            },
        },
        PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
    };

    public ValueTask DisposeAsync()
    {
        _socket?.Abort();
        _socket?.Dispose();
        return ValueTask.CompletedTask;
    }

    public override string ToString() => $"{_nodeId}: refused {Refused}, failed {Failed}, last error {LastError}";

    private static TimeSpan? RetryAfter(IReadOnlyDictionary<string, IEnumerable<string>>? headers)
    {
        if (headers is null)
        {
            return null;
        }

        foreach (var (name, values) in headers)
        {
            if (string.Equals(name, "Retry-After", StringComparison.OrdinalIgnoreCase)
                && long.TryParse(values.FirstOrDefault(), NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
            {
                return TimeSpan.FromSeconds(seconds);
            }
        }

        return null;
    }

    /// <summary>Reads messages (keeping only a binary message's header) until a configuration with the hash arrives whole.</summary>
    private static async Task<bool> ReceiveUntilAsync(ClientWebSocket socket, string expectedHash, CancellationToken cancellationToken)
    {
        var buffer = new byte[16 * 1024];
        var head = new MemoryStream();
        while (true)
        {
            head.SetLength(0);
            ValueWebSocketReceiveResult result;
            do
            {
                result = await socket.ReceiveAsync(buffer.AsMemory(), cancellationToken);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    throw new WebSocketException($"closed by the control plane: {socket.CloseStatus} {socket.CloseStatusDescription}");
                }

                if (head.Length < 4 + (64 * 1024))
                {
                    head.Write(buffer, 0, result.Count);
                }
            }
            while (!result.EndOfMessage);

            if (result.MessageType == WebSocketMessageType.Binary && Hash(head.GetBuffer().AsSpan(0, (int)head.Length)) == expectedHash)
            {
                return true;
            }
        }
    }

    private static string? Hash(ReadOnlySpan<byte> message)
    {
        var headerLength = (int)BinaryPrimitives.ReadUInt32BigEndian(message);
        using var header = JsonDocument.Parse(message.Slice(4, headerLength).ToArray());
        return header.RootElement.GetProperty("type").GetString() is "config" ? header.RootElement.GetProperty("hash").GetString() : null;
    }
}
