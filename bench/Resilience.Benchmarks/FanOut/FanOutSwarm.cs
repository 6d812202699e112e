using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Security;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;

namespace Resilience.Benchmarks;

/// <summary>
/// The client side of <see cref="FanOutBenchmarks"/>, run in its own process so that the control plane's
/// CPU and memory can be measured alone: N raw protocol clients (TLS with a client certificate, WebSocket,
/// hello, heartbeats; no node pipeline), plus N plain TCP and N TLS sockets that only count the bytes the
/// benchmark writes to them (the physical limit). Reports on stdout, one line per event, with the
/// <see cref="Stopwatch"/> timestamp (CLOCK_MONOTONIC: the same clock in both processes) of the moment
/// the last of the N clients had the whole message.
/// </summary>
internal static class FanOutSwarm
{
    public const string Command = "fan-out-swarm";
    private const int MaxRounds = 4096;

    /// <summary>Arguments: clients, hub URI, raw TCP port, TLS port, baseline message length, PFX path (leaf + intermediate), server root (DER) path, and optionally <c>delta</c> (the clients announce the capability).</summary>
    public static async Task<int> RunAsync(string[] args)
    {
        var clients = int.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture);
        var hub = new Uri(args[1]);
        var rawPort = int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture);
        var tlsPort = int.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture);
        var length = long.Parse(args[4], System.Globalization.CultureInfo.InvariantCulture);
        var identity = X509CertificateLoader.LoadPkcs12CollectionFromFile(args[5], null, X509KeyStorageFlags.Exportable);
        var serverRoot = X509CertificateLoader.LoadCertificateFromFile(args[6]);
        var capabilities = args.Length > 7 && args[7] == "delta" ? ",\"capabilities\":[\"delta\"]" : string.Empty;
        var leaf = identity.First(c => c.HasPrivateKey);
        var intermediates = new X509Certificate2Collection(identity.Where(c => !c.HasPrivateKey).ToArray());
        var output = TextWriter.Synchronized(Console.Out);
        using var stop = new CancellationTokenSource();

        var rawRounds = new int[MaxRounds];
        var tlsRounds = new int[MaxRounds];
        var counters = new Counters(clients, output);
        var tasks = new List<Task>();

        var serverValidation = ServerValidation(serverRoot);
        using var handler = new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions
            {
                ClientCertificateContext = SslStreamCertificateContext.Create(leaf, intermediates, offline: true),
                RemoteCertificateValidationCallback = serverValidation,
            },
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
        };
        using var invoker = new HttpMessageInvoker(handler);
        using var connecting = new SemaphoreSlim(16);
        var sockets = new ClientWebSocket[clients];
        await Task.WhenAll(Enumerable.Range(0, clients).Select(async i =>
        {
            await connecting.WaitAsync();
            try
            {
                var socket = new ClientWebSocket();
                socket.Options.AddSubProtocol("resilience.link.v1");
                socket.Options.KeepAliveInterval = TimeSpan.Zero;
                await socket.ConnectAsync(hub, invoker, stop.Token);
                await socket.SendAsync(Encoding.UTF8.GetBytes($"{{\"type\":\"hello\",\"protocol\":1,\"node_id\":\"swarm-{i:D5}\",\"hostname\":\"bench\",\"version\":\"bench\"{capabilities}}}"), WebSocketMessageType.Text, true, stop.Token);
                sockets[i] = socket;
            }
            finally
            {
                connecting.Release();
            }
        }));

        var lastHash = new string?[clients];
        for (var i = 0; i < clients; i++)
        {
            var index = i;
            tasks.Add(Task.Run(() => ReceiveProtocolAsync(sockets[index], hash => { lastHash[index] = hash; counters.Config(hash); }, stop.Token)));
        }

        tasks.Add(HeartbeatsAsync(sockets, lastHash, stop.Token));

        for (var i = 0; i < clients; i++)
        {
            var raw = new TcpClient { NoDelay = true };
            await raw.ConnectAsync(System.Net.IPAddress.Loopback, rawPort);
            tasks.Add(Task.Run(() => CountAsync(raw.GetStream(), length, round => counters.Round("raw", rawRounds, round), stop.Token)));

            var tcp = new TcpClient { NoDelay = true };
            await tcp.ConnectAsync(System.Net.IPAddress.Loopback, tlsPort);
            var tls = new SslStream(tcp.GetStream(), false);
            await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = "localhost", RemoteCertificateValidationCallback = serverValidation });
            tasks.Add(Task.Run(() => CountAsync(tls, length, round => counters.Round("tls", tlsRounds, round), stop.Token)));
        }

        output.WriteLine("ready");

        // The benchmark ends the swarm by closing its stdin.
        await Console.In.ReadToEndAsync();
        await stop.CancelAsync();
        return 0;
    }

    private static RemoteCertificateValidationCallback ServerValidation(X509Certificate2 root) => (_, certificate, _, errors) =>
    {
        if (certificate is null || (errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0)
        {
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(root);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(X509CertificateLoader.LoadCertificate(certificate.GetRawCertData()));
    };

    /// <summary>Reads protocol messages; for each binary <c>config</c> or <c>config_delta</c> message read to its end, reports its header's hash.</summary>
    private static async Task ReceiveProtocolAsync(ClientWebSocket socket, Action<string> configReceived, CancellationToken token)
    {
        var buffer = new byte[64 * 1024];
        var head = new MemoryStream();
        try
        {
            while (true)
            {
                head.SetLength(0);
                ValueWebSocketReceiveResult result;
                do
                {
                    result = await socket.ReceiveAsync(buffer.AsMemory(), token);
                    if (result.MessageType == WebSocketMessageType.Close)
                    {
                        return;
                    }

                    // Keep only what the header needs (length prefix + header JSON, at most 64 KiB).
                    if (head.Length < 4 + 64 * 1024)
                    {
                        head.Write(buffer, 0, result.Count);
                    }
                }
                while (!result.EndOfMessage);

                if (result.MessageType == WebSocketMessageType.Binary && Hash(head.GetBuffer().AsSpan(0, (int)head.Length)) is { } hash)
                {
                    configReceived(hash);
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException)
        {
        }
    }

    private static string? Hash(ReadOnlySpan<byte> message)
    {
        var headerLength = (int)BinaryPrimitives.ReadUInt32BigEndian(message);
        using var header = JsonDocument.Parse(message.Slice(4, headerLength).ToArray());
        return header.RootElement.GetProperty("type").GetString() is "config" or "config_delta" ? header.RootElement.GetProperty("hash").GetString() : null;
    }

    /// <summary>A heartbeat from every client every 20 s (the hub closes a connection silent for 90 s), with the hash it last received.</summary>
    private static async Task HeartbeatsAsync(ClientWebSocket[] sockets, string?[] lastHash, CancellationToken token)
    {
        try
        {
            while (true)
            {
                await Task.Delay(TimeSpan.FromSeconds(20), token);
                for (var i = 0; i < sockets.Length; i++)
                {
                    var hash = Volatile.Read(ref lastHash[i]);
                    var json = hash is null ? "{\"type\":\"heartbeat\"}" : $"{{\"type\":\"heartbeat\",\"config_hash\":\"{hash}\"}}";
                    await sockets[i].SendAsync(Encoding.UTF8.GetBytes(json), WebSocketMessageType.Text, true, token);
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException)
        {
        }
    }

    /// <summary>Counts bytes; every <paramref name="length"/> bytes is one round received in full.</summary>
    private static async Task CountAsync(Stream stream, long length, Action<int> roundReceived, CancellationToken token)
    {
        var buffer = new byte[64 * 1024];
        long received = 0;
        var rounds = 0;
        try
        {
            while (true)
            {
                var read = await stream.ReadAsync(buffer, token);
                if (read == 0)
                {
                    return;
                }

                received += read;
                while (received >= (rounds + 1) * length)
                {
                    roundReceived(++rounds);
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException)
        {
        }
    }

    private sealed class Counters(int clients, TextWriter output)
    {
        private readonly ConcurrentDictionary<string, int> _configs = new(StringComparer.Ordinal);

        public void Config(string hash)
        {
            if (_configs.AddOrUpdate(hash, 1, (_, n) => n + 1) == clients)
            {
                output.WriteLine($"config {hash} {Stopwatch.GetTimestamp()}");
            }
        }

        public void Round(string kind, int[] rounds, int round)
        {
            if (round < rounds.Length && Interlocked.Increment(ref rounds[round]) == clients)
            {
                output.WriteLine($"{kind} {round} {Stopwatch.GetTimestamp()}");
            }
        }
    }
}
