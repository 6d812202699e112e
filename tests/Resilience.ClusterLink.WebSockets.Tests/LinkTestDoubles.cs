using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text.Json;
using System.Threading.Channels;
using Resilience.ClusterLink.WebSockets.Protocol;

namespace Resilience.ClusterLink.WebSockets.Tests;

/// <summary>Connects the link to an in-test control plane over a real loopback TCP WebSocket pair.</summary>
internal sealed class LoopbackConnector : IClusterLinkConnector
{
    private readonly Channel<WebSocket> _servers = Channel.CreateUnbounded<WebSocket>();
    private readonly ConcurrentQueue<Uri> _tried = new();
    private int _attempts;

    public string Route => " (loopback)";

    public int Attempts => Volatile.Read(ref _attempts);

    /// <summary>Gets the endpoints of every attempt, in order.</summary>
    public IReadOnlyList<Uri> Tried => [.. _tried];

    /// <summary>Gets or sets an error the next attempts throw (null: connect).</summary>
    public string? FailWith { get; set; }

    /// <summary>Gets or sets a busy answer (status, Retry-After) the next attempts get, as a control plane's admission control gives it before the upgrade.</summary>
    public (int Status, TimeSpan? RetryAfter)? Busy { get; set; }

    /// <summary>Gets the endpoints whose attempts fail (with "refused &lt;endpoint&gt;"), whatever <see cref="FailWith"/> says.</summary>
    public ConcurrentDictionary<Uri, bool> Down { get; } = new();

    public async Task<LinkConnection> ConnectAsync(Uri endpoint, CancellationToken cancellationToken)
    {
        _tried.Enqueue(endpoint);
        Interlocked.Increment(ref _attempts);
        if (FailWith is { } error)
        {
            throw new HttpRequestException(error);
        }

        if (Busy is { } busy)
        {
            throw new ControlPlaneBusyException(busy.Status, busy.RetryAfter, new WebSocketException($"The server returned status code '{busy.Status}' when status code '101' was expected."));
        }

        if (Down.ContainsKey(endpoint))
        {
            throw new HttpRequestException($"refused {endpoint}");
        }

        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var client = new TcpClient();
        var connect = client.ConnectAsync(IPAddress.Loopback, ((IPEndPoint)listener.LocalEndpoint).Port, cancellationToken);
        var accepted = await listener.AcceptTcpClientAsync(cancellationToken);
        await connect;
        listener.Stop();
        var options = new WebSocketCreationOptions { SubProtocol = LinkProtocol.SubProtocol, KeepAliveInterval = TimeSpan.Zero };
        var server = WebSocket.CreateFromStream(accepted.GetStream(), new WebSocketCreationOptions { IsServer = true, SubProtocol = LinkProtocol.SubProtocol, KeepAliveInterval = TimeSpan.Zero });
        _servers.Writer.TryWrite(server);
        return new LinkConnection(WebSocket.CreateFromStream(client.GetStream(), options), client);
    }

    /// <summary>The control plane's end of the next connection.</summary>
    public async Task<ControlPlaneEnd> NextAsync()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        return new ControlPlaneEnd(await _servers.Reader.ReadAsync(cts.Token));
    }
}

/// <summary>The control plane's end of one connection.</summary>
internal sealed class ControlPlaneEnd(WebSocket socket)
{
    public WebSocket Socket { get; } = socket;

    public async Task<(string Type, JsonElement Root)> ReceiveAsync()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            var frame = await LinkFraming.ReceiveAsync(Socket, 1024 * 1024, null, cts.Token) ?? throw new InvalidOperationException("closed");
            return LinkFraming.ParseControl(frame);
        }
        catch (Exception ex) when (ex is not Xunit.Sdk.XunitException)
        {
            throw new InvalidOperationException($"{ex.Message}; {Wait.Diagnostics.Value?.Invoke()}", ex);
        }
    }

    public async Task<JsonElement> ReceiveAsync(string type)
    {
        while (true)
        {
            var (received, root) = await ReceiveAsync();
            if (received == type)
            {
                return root;
            }
        }
    }

    public Task SendAsync<T>(T message)
        where T : LinkMessage => LinkFraming.SendControlAsync(Socket, message, CancellationToken.None).AsTask();

    public Task WelcomeAsync() => SendAsync(new WelcomeMessage { Type = LinkProtocol.Types.Welcome, Protocol = LinkProtocol.Version });

    public Task PushAsync(string json, long? announcedSize = null)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(json);
        var message = LinkFraming.EncodeBinary(
            new BinaryHeader { Type = LinkProtocol.Types.Config, Hash = ConfigHash.Compute(bytes), Version = json, Encoding = LinkProtocol.Encodings.Gzip, Size = announcedSize },
            TestGzip.Compress(bytes));
        return Socket.SendAsync(message, WebSocketMessageType.Binary, true, CancellationToken.None);
    }
}

internal static class ControlPlaneEndDeltas
{
    public static Task PushDeltaAsync(this ControlPlaneEnd cp, string baseHash, string hash, long targetSize, byte[] patch, bool damageGzip = false)
    {
        var compressed = TestGzip.Compress(patch);
        if (damageGzip)
        {
            // The first deflate block (after the 10-byte header) claims the reserved block type 11.
            compressed[10] = 0xFF;
        }

        var message = LinkFraming.EncodeBinary(
            new BinaryHeader { Type = LinkProtocol.Types.ConfigDelta, Hash = hash, Version = "v2", Encoding = LinkProtocol.Encodings.Gzip, Size = patch.Length, BaseHash = baseHash, TargetSize = targetSize },
            compressed);
        return cp.Socket.SendAsync(message, WebSocketMessageType.Binary, true, CancellationToken.None);
    }
}

/// <summary>The chain's side, recorded: states reported, documents applied (optionally held at a gate).</summary>
internal sealed class RecordingContext(TimeProvider time) : IClusterLinkContext
{
    public ConcurrentQueue<ClusterLinkState> States { get; } = new();

    public ConcurrentQueue<string> Applied { get; } = new();

    public TaskCompletionSource? Gate { get; set; }

    public TaskCompletionSource ApplyStarted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public NodeIdentity Node { get; } = new("node-1", "host-1", "1.0.0", new Dictionary<string, string> { ["zone"] = "a" });

    public ConfigSnapshot? Current { get; set; }

    public ClusterLinkState? Last => States.LastOrDefault();

    public async ValueTask<ApplyResult> ApplyAsync(ConfigDocument document, CancellationToken cancellationToken)
    {
        ApplyStarted.TrySetResult();
        if (Gate is { } gate)
        {
            Gate = null;
            await gate.Task.WaitAsync(cancellationToken);
        }

        var json = System.Text.Encoding.UTF8.GetString(document.Content.Span);
        Applied.Enqueue(json);
        var hash = ConfigHash.Compute(document.Content.Span);
        Current = new ConfigSnapshot(document.Content, hash, ConfigOrigin.ControlPlane, time.GetUtcNow());
        return new ApplyResult(ApplyOutcome.Applied, ConfigOrigin.ControlPlane, hash, RejectionReason.None, [], time.GetUtcNow());
    }

    public void ReportState(ClusterLinkState state) => States.Enqueue(state);
}

/// <summary>A jitter source that returns a fixed value.</summary>
internal sealed class FixedJitter(double value) : IClusterLinkJitter
{
    public double NextDouble() => value;
}

internal static class Wait
{
    /// <summary>Gets or sets what to print when a wait times out (the link's log).</summary>
    public static AsyncLocal<Func<string>?> Diagnostics { get; } = new();

    /// <summary>Polls a condition with the tests' one polling helper, printing the link's log on a timeout.</summary>
    public static Task UntilAsync(Func<bool> condition, string what) =>
        Eventually.HoldsAsync(() => Task.FromResult(condition()), what, TimeSpan.FromSeconds(10), detail: () => Diagnostics.Value?.Invoke() ?? string.Empty);
}
