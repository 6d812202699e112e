using System.Collections.Concurrent;
using System.Net.WebSockets;
using Resilience.ClusterLink.WebSockets.Protocol;

namespace Resilience.ControlPlane.Tests;

/// <summary>
/// A data plane on a real connection that answers pushes the way a node does: it "serves" what it accepts and reports
/// applied, or rejects what <see cref="Refuse"/> names, and records every configuration header (whole or, when it
/// announced the <c>delta</c> capability, a delta: the hash says what it makes) and every stable hash the control plane
/// announced. Heartbeats are sent on request.
/// </summary>
internal sealed class ScriptedNode : IAsyncDisposable
{
    private readonly RawLinkClient _client;
    private readonly CancellationTokenSource _stop = new();
    private readonly SemaphoreSlim _send = new(1, 1);
    private Task? _loop;

    private ScriptedNode(RawLinkClient client, string nodeId, string? serving)
    {
        _client = client;
        NodeId = nodeId;
        Serving = serving;
    }

    public string NodeId { get; }

    public string? Serving { get; private set; }

    public ConcurrentQueue<BinaryHeader> Configs { get; } = new();

    public ConcurrentQueue<string> ServedHashes { get; } = new();

    public string? StableHash { get; private set; }

    /// <summary>Gets or sets which pushed hashes the node refuses (the reason), else it applies them.</summary>
    public Func<BinaryHeader, string?> Refuse { get; set; } = static _ => null;

    public static async Task<ScriptedNode> ConnectAsync(Uri endpoint, string nodeId, IReadOnlyDictionary<string, string>? labels = null, string? serving = null, bool deltas = false)
    {
        var client = await RawLinkClient.ConnectAsync(Pki.LinkOptions(endpoint));
        var node = new ScriptedNode(client, nodeId, serving);
        await client.SendAsync(new HelloMessage
        {
            Type = LinkProtocol.Types.Hello,
            Protocol = LinkProtocol.Version,
            NodeId = nodeId,
            Hostname = nodeId,
            Version = "9.9.9",
            Labels = labels is null ? null : new Dictionary<string, string>(labels),
            ConfigHash = serving,
            Capabilities = deltas ? [LinkProtocol.Capabilities.Delta] : null,
        });
        node._loop = Task.Run(node.ReceiveLoopAsync);
        return node;
    }

    /// <summary>Whether this node was ever sent a configuration with the given hash.</summary>
    public bool WasSent(string hash) => Configs.Any(c => c.Hash == hash);

    public Task HeartbeatAsync() => SendAsync(new HeartbeatMessage { Type = LinkProtocol.Types.Heartbeat, ConfigHash = Serving });

    /// <summary>A heartbeat with the health a node reports: its requests and failed requests since the previous one.</summary>
    public Task HeartbeatAsync(string? serving, long requests, long failed) => SendAsync(new HeartbeatMessage
    {
        Type = LinkProtocol.Types.Heartbeat,
        ConfigHash = serving,
        Health = new HeartbeatHealth { Ready = true, Requests = requests, FailedRequests = failed },
    });

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _client.DisposeAsync();
        if (_loop is not null)
        {
            await _loop.ContinueWith(_ => { }, TaskScheduler.Default);
        }

        _stop.Dispose();
        _send.Dispose();
    }

    private async Task SendAsync<T>(T message)
        where T : LinkMessage
    {
        await _send.WaitAsync();
        try
        {
            await _client.SendAsync(message);
        }
        finally
        {
            _send.Release();
        }
    }

    private async Task ReceiveLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var frame = await LinkFraming.ReceiveAsync(_client.Socket, 64 * 1024 * 1024, null, _stop.Token);
            if (frame is not { } message)
            {
                return;
            }

            if (message.Kind == WebSocketMessageType.Text)
            {
                var (type, root) = LinkFraming.ParseControl(message);
                if (type == LinkProtocol.Types.Welcome)
                {
                    StableHash = LinkFraming.Deserialize<WelcomeMessage>(root).StableHash;
                }
                else if (type == LinkProtocol.Types.HeartbeatAck)
                {
                    StableHash = LinkFraming.Deserialize<HeartbeatMessage>(root).StableHash;
                }

                continue;
            }

            var (header, _) = LinkFraming.DecodeBinary(message);
            if (header.Type is not (LinkProtocol.Types.Config or LinkProtocol.Types.ConfigDelta))
            {
                continue;
            }

            Configs.Enqueue(header);
            if (Refuse(header) is { } why)
            {
                await SendAsync(new ApplyResultMessage { Type = LinkProtocol.Types.ApplyResult, Hash = header.Hash, Outcome = LinkProtocol.Outcomes.Rejected, Reason = "ValidatorRejected", Errors = [why], ConfigHash = Serving });
                continue;
            }

            Serving = header.Hash;
            ServedHashes.Enqueue(header.Hash!);
            await SendAsync(new ApplyResultMessage { Type = LinkProtocol.Types.ApplyResult, Hash = header.Hash, Outcome = LinkProtocol.Outcomes.Applied, ConfigHash = header.Hash });
        }
    }
}
