using System.Net.WebSockets;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Resilience.ClusterLink.WebSockets.Protocol;

namespace Resilience.ClusterLink.WebSockets;

/// <summary>
/// One connection: a receive loop, an apply loop, a heartbeat loop (with the node's health), a rollback loop (the
/// control plane's <c>rollback</c> requests) and a report loop (the node's rollbacks and reverts), sharing a send lock.
/// </summary>
internal sealed class LinkSession : IDisposable
{
    private readonly LinkSessionServices _services;
    private readonly WebSocket _socket;
    private readonly Uri _endpoint;
    private readonly IClusterLinkContext _context;
    private readonly CancellationTokenSource _ending;
    private readonly TimedSendLock _sendLock;
    private readonly Channel<PendingConfig> _pending;
    private readonly Channel<RollbackMessage> _rollbacks;
    private readonly Channel<bool> _stateChanged = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly object _reportGate = new();
    private ConfigRollbackState? _reported;
    private long _lastInbound;
    private volatile bool _answered;

    public LinkSession(LinkSessionServices services, WebSocket socket, Uri endpoint, IClusterLinkContext context, CancellationToken stopping)
    {
        _services = services;
        _sendLock = new TimedSendLock(services.Options.WriteTimeout, services.Time);
        _socket = socket;
        _endpoint = endpoint;
        _context = context;
        _ending = CancellationTokenSource.CreateLinkedTokenSource(stopping);

        // One slot: a newer push replaces the one waiting, so nothing older is applied after something newer.
        _pending = Channel.CreateBounded<PendingConfig>(
            new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true, SingleWriter = true },
            dropped => Log.LinkConfigDropped(services.Logger, dropped.Header.Hash));

        // Rollback requests are few and each is answered; a control plane that floods them loses the oldest.
        _rollbacks = Channel.CreateBounded<RollbackMessage>(
            new BoundedChannelOptions(8) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true, SingleWriter = true },
            dropped => Log.LinkRollbackDropped(Logger, dropped.Hash));
    }

    /// <summary>Gets a value indicating whether anything arrived from the control plane on this connection.</summary>
    public bool Answered => _answered;

    private TimeProvider Time => _services.Time;

    private ClusterLinkOptions Options => _services.Options;

    private ILogger Logger => _services.Logger;

    public async Task<string> RunAsync()
    {
        var token = _ending.Token;
        _lastInbound = Time.GetTimestamp();
        try
        {
            var hash = _context.Current?.Hash;
            var node = _context.Node;
            await SendAsync(
                new HelloMessage
                {
                    Type = LinkProtocol.Types.Hello,
                    Protocol = LinkProtocol.Version,
                    NodeId = node.NodeId,
                    Hostname = node.Hostname,
                    Version = node.Version,
                    Labels = new Dictionary<string, string>(node.Labels, StringComparer.Ordinal),
                    ConfigHash = hash,
                    Tier = Tier(),
                    Capabilities = _context.KeepsHistory ? [LinkProtocol.Capabilities.Delta, LinkProtocol.Capabilities.History] : [LinkProtocol.Capabilities.Delta],
                },
                token).ConfigureAwait(false);

            // The heartbeat loop starts its timer synchronously, before the state says Connected.
            var heartbeat = HeartbeatLoopAsync(token);
            _context.ReportState(new ClusterLinkState(ClusterLinkStatus.Connected, Time.GetUtcNow()) { Endpoint = _endpoint });
            Log.LinkConnected(Logger, _endpoint, hash);
            var receive = Task.Run(() => ReceiveLoopAsync(token), CancellationToken.None);
            var apply = Task.Run(() => ApplyLoopAsync(token), CancellationToken.None);
            var rollbacks = Task.Run(() => RollbackLoopAsync(token), CancellationToken.None);
            var reports = Task.Run(() => ReportLoopAsync(token), CancellationToken.None);

            // Telemetry: what accumulated while disconnected goes first, then a batch every flush interval.
            var telemetry = _services.Telemetry is { } flusher
                ? Task.Run(() => flusher.RunAsync(SendBinaryAsync, token), CancellationToken.None)
                : Task.Delay(Timeout.Infinite, token);

            var first = await Task.WhenAny(heartbeat, receive, apply, telemetry, rollbacks, reports).ConfigureAwait(false);
            var reason = Reason(first);
            if (first.Exception?.InnerException is LinkProtocolException violation)
            {
                // Tell the peer why (1002/1009) before cancelling: cancelling a write in progress aborts the socket.
                await CloseAfterViolationAsync(violation).ConfigureAwait(false);
            }

            await _ending.CancelAsync().ConfigureAwait(false);
            _socket.Abort();

            await Task.WhenAll(
                heartbeat.ContinueWith(_ => { }, TaskScheduler.Default),
                receive.ContinueWith(_ => { }, TaskScheduler.Default),
                apply.ContinueWith(_ => { }, TaskScheduler.Default),
                telemetry.ContinueWith(_ => { }, TaskScheduler.Default),
                rollbacks.ContinueWith(_ => { }, TaskScheduler.Default),
                reports.ContinueWith(_ => { }, TaskScheduler.Default)).ConfigureAwait(false);
            return reason;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !_ending.IsCancellationRequested)
        {
            _socket.Abort();
            return WebSocketClusterLink.Describe(ex);
        }
        catch (OperationCanceledException)
        {
            _socket.Abort();
            return "stopped";
        }
    }

    public void Dispose()
    {
        _ending.Dispose();
        _sendLock.Dispose();
    }

    private async Task CloseAfterViolationAsync(LinkProtocolException violation)
    {
        if (!await _sendLock.TryEnterAsync(TimeSpan.FromSeconds(1)).ConfigureAwait(false))
        {
            return;
        }

        try
        {
            await LinkFraming.CloseQuietlyAsync(_socket, violation.CloseCode, violation.Reason, TimeSpan.FromSeconds(1), Time).ConfigureAwait(false);
        }
        finally
        {
            _sendLock.Exit();
        }
    }

    private string Reason(Task ended)
    {
        if (ended.Exception?.InnerException is { } ex)
        {
            return WebSocketClusterLink.Describe(ex);
        }

        return ended.IsCanceled ? "stopped" : "the connection ended";
    }

    private async Task ReceiveLoopAsync(CancellationToken token)
    {
        try
        {
            while (true)
            {
                var frame = await LinkFraming.ReceiveAsync(_socket, Options.MaxFrameBytes, MarkInbound, token).ConfigureAwait(false);
                if (frame is not { } message)
                {
                    var status = _socket.CloseStatus is { } code ? $" ({(int)code} {_socket.CloseStatusDescription})" : string.Empty;
                    throw new WebSocketException(WebSocketError.ConnectionClosedPrematurely, $"the control plane closed the connection{status}");
                }

                if (message.Kind == WebSocketMessageType.Text)
                {
                    // welcome and heartbeat_ack prove liveness (already noted) and name the stable configuration; unknown types are ignored (docs/protocol.md, versioning).
                    var (type, root) = LinkFraming.ParseControl(message);
                    Log.LinkControlReceived(Logger, type);
                    if (type == LinkProtocol.Types.License && _services.License is { } license)
                    {
                        await OnLicenseAsync(license, LinkFraming.Deserialize<LicenseMessage>(root), token).ConfigureAwait(false);
                    }
                    else if (type == LinkProtocol.Types.Welcome)
                    {
                        _context.ReportStableConfig(LinkFraming.Deserialize<WelcomeMessage>(root).StableHash);
                    }
                    else if (type == LinkProtocol.Types.HeartbeatAck)
                    {
                        // The fleet's stable configuration: a rollout's candidate this node serves may be exported once named here.
                        _context.ReportStableConfig(LinkFraming.Deserialize<HeartbeatMessage>(root).StableHash);
                    }
                    else if (type == LinkProtocol.Types.Rollback)
                    {
                        var rollback = LinkFraming.Deserialize<RollbackMessage>(root);
                        Log.LinkRollbackReceived(Logger, rollback.Hash, rollback.Actor, rollback.Reason);
                        _rollbacks.Writer.TryWrite(rollback);
                    }

                    continue;
                }

                var (header, payload) = LinkFraming.DecodeBinary(message);
                if (header.Type is LinkProtocol.Types.Config or LinkProtocol.Types.ConfigDelta)
                {
                    Log.LinkConfigReceived(Logger, header.Hash, header.Version, payload.Length);
                    _pending.Writer.TryWrite(new PendingConfig(header, payload, Time.GetTimestamp()));
                }
            }
        }
        catch (LinkProtocolException ex)
        {
            _services.Metrics.RecordFrameRejected(ex.Reason);
            Log.LinkProtocolViolation(Logger, ex.Reason, ex.Message);
            throw;
        }
    }

    private static async ValueTask OnLicenseAsync(ILicenseReceiver receiver, LicenseMessage message, CancellationToken token)
    {
        byte[] payload;
        try
        {
            payload = Convert.FromBase64String(message.Payload ?? string.Empty);
        }
        catch (FormatException)
        {
            payload = [];
        }

        // A bad licence is refused (logged, counted) by the node; the connection stays.
        await receiver.AcceptFromControlPlaneAsync(payload, message.Signature, token).ConfigureAwait(false);
    }

    private void MarkInbound()
    {
        _answered = true;
        Volatile.Write(ref _lastInbound, Time.GetTimestamp());
    }

    private async Task ApplyLoopAsync(CancellationToken token)
    {
        await foreach (var pending in _pending.Reader.ReadAllAsync(token).ConfigureAwait(false))
        {
            ReadOnlyMemory<byte> patched = default;
            if (pending.IsDelta && !TryDecodeDelta(pending, out patched, out var refusal))
            {
                // Nothing reaches the chain: the node keeps serving what it serves and asks for the whole configuration.
                var served = _context.Current?.Hash;
                _services.Metrics.RecordDelta(refusal.Reason);
                Log.LinkDeltaRefused(Logger, pending.Header.Hash, refusal.Reason, refusal.Message, served);
                await SendAsync(
                    new ConfigRequestMessage { Type = LinkProtocol.Types.ConfigRequest, Hash = pending.Header.Hash, ConfigHash = served, Reason = refusal.Reason, Error = refusal.Message },
                    token).ConfigureAwait(false);
                continue;
            }

            var result = pending.IsDelta ? await ApplyDocumentAsync(pending, patched, token).ConfigureAwait(false) : await ApplyAsync(pending, token).ConfigureAwait(false);
            var elapsed = Time.GetElapsedTime(pending.ReceivedAt);
            _services.Metrics.RecordPushToApply(elapsed, result.Outcome);
            Log.LinkConfigHandled(Logger, result.Hash ?? pending.Header.Hash, result.Outcome, elapsed);
            var answer = Answer(result, result.Hash ?? pending.Header.Hash);
            answer.Version = pending.Header.Version;
            await SendAsync(answer, token).ConfigureAwait(false);
        }
    }

    /// <summary>Executes the control plane's rollback requests one at a time and answers each with an <c>apply_result</c>.</summary>
    private async Task RollbackLoopAsync(CancellationToken token)
    {
        await foreach (var request in _rollbacks.Reader.ReadAllAsync(token).ConfigureAwait(false))
        {
            var actor = string.IsNullOrWhiteSpace(request.Actor) ? "control-plane" : request.Actor;
            var result = await _context.RollbackAsync(request.Hash ?? string.Empty, request.Reason, actor, token).ConfigureAwait(false);
            Log.LinkRollbackHandled(Logger, request.Hash, result.Outcome, result.Errors.Count > 0 ? string.Join("; ", result.Errors) : null);
            if (result.Outcome == ApplyOutcome.Applied && _context.Rollback is { } standing && standing.ToHash == result.Hash)
            {
                // The answer is the report of the rollback it made (unless the report loop sent it first).
                await ReportAsync(standing, token).ConfigureAwait(false);
                continue;
            }

            var answer = Answer(result, request.Hash);
            answer.Actor = actor;
            await SendAsync(answer, token).ConfigureAwait(false);
        }
    }

    /// <summary>The <c>apply_result</c> of an apply or a rollback request: its outcome, why when rejected, and what is served now.</summary>
    private ApplyResultMessage Answer(ApplyResult result, string? hash) => new()
    {
        Type = LinkProtocol.Types.ApplyResult,
        Hash = hash,
        Outcome = result.Outcome switch
        {
            ApplyOutcome.Applied => LinkProtocol.Outcomes.Applied,
            ApplyOutcome.Unchanged => LinkProtocol.Outcomes.Unchanged,
            ApplyOutcome.Superseded => LinkProtocol.Outcomes.Superseded,
            _ => LinkProtocol.Outcomes.Rejected,
        },
        Reason = result.Outcome == ApplyOutcome.Rejected ? result.Reason.ToString() : null,
        Errors = result.Errors.Count > 0 ? [.. result.Errors] : null,
        ConfigHash = _context.Current?.Hash,
    };

    /// <summary>Reports the standing rollback or revert on connect and whenever the node makes a new one.</summary>
    private async Task ReportLoopAsync(CancellationToken token)
    {
        using var watch = Microsoft.Extensions.Primitives.ChangeToken.OnChange(_context.GetStateChangeToken, () => _stateChanged.Writer.TryWrite(true));
        while (true)
        {
            if (_context.Rollback is { } standing)
            {
                await ReportAsync(standing, token).ConfigureAwait(false);
            }

            await _stateChanged.Reader.ReadAsync(token).ConfigureAwait(false);
        }
    }

    /// <summary>Sends a rollback or revert once per connection, whichever loop gets to it first.</summary>
    private async ValueTask ReportAsync(ConfigRollbackState standing, CancellationToken token)
    {
        lock (_reportGate)
        {
            if (ReferenceEquals(_reported, standing))
            {
                return;
            }

            _reported = standing;
        }

        await SendAsync(
            new ApplyResultMessage
            {
                Type = LinkProtocol.Types.ApplyResult,
                Hash = standing.FromHash,
                Outcome = standing.Kind == ConfigRollbackKind.Reverted ? LinkProtocol.Outcomes.Reverted : LinkProtocol.Outcomes.RolledBack,
                Reason = standing.Reason,
                ConfigHash = standing.ToHash,
                Actor = standing.Actor,
            },
            token).ConfigureAwait(false);
        Log.LinkRollbackReported(Logger, standing.Kind, standing.FromHash, standing.ToHash);
    }

    private static string BakeState(ConfigBakeStatus status) => status switch
    {
        ConfigBakeStatus.Baking => LinkProtocol.BakeStates.Baking,
        ConfigBakeStatus.Passed => LinkProtocol.BakeStates.Passed,
        ConfigBakeStatus.Undecided => LinkProtocol.BakeStates.Undecided,
        ConfigBakeStatus.Reverted => LinkProtocol.BakeStates.Reverted,
        ConfigBakeStatus.Failed => LinkProtocol.BakeStates.Failed,
        _ => LinkProtocol.BakeStates.None,
    };

    private async ValueTask<ApplyResult> ApplyAsync(PendingConfig pending, CancellationToken token)
    {
        var header = pending.Header;
        ReadOnlyMemory<byte> content;
        try
        {
            content = pending.DecodeContent(_services.Limits);
        }
        catch (GzipContentException ex)
        {
            // Refused before the chain sees it (the chain's own pipeline logs its rejections under the same event id).
            Log.ConfigRejected(Logger, ConfigOrigin.ControlPlane, _endpoint.ToString(), ex.Reason, ex.Message);
            return ApplyResult.Rejected(ConfigOrigin.ControlPlane, header.Hash, ex.Reason, [ex.Message], Time.GetUtcNow());
        }

        return await ApplyDocumentAsync(pending, content, token).ConfigureAwait(false);
    }

    /// <summary>The chain's whole pipeline, for a pushed configuration and for one a delta made alike (limits, hash, signature, validator, swap, cache).</summary>
    private ValueTask<ApplyResult> ApplyDocumentAsync(PendingConfig pending, ReadOnlyMemory<byte> content, CancellationToken token)
    {
        var header = pending.Header;
        var document = new ConfigDocument(content, ConfigFormat.Json, ConfigOrigin.ControlPlane)
        {
            Version = header.Version,
            Timestamp = header.Timestamp,
            ExpectedHash = header.Hash,
            Signature = header.Signature,
            Source = _endpoint.ToString(),
            RolloutId = header.Rollout,
            RequestedBake = RequestedBake(header),
            ReceivedBytes = pending.Payload.Length,
        };
        return _context.ApplyAsync(document, token);
    }

    /// <summary>The control plane's stricter bake for this configuration; one out of bounds is ignored, with a log line.</summary>
    private BakeRequest? RequestedBake(BinaryHeader header)
    {
        if (header.Bake is not { } field)
        {
            return null;
        }

        var request = field.ToRequest(out var why);
        if (request is null)
        {
            Log.LinkBakeRequestIgnored(Logger, header.Hash, why);
        }

        return request;
    }

    private bool TryDecodeDelta(PendingConfig pending, out ReadOnlyMemory<byte> document, out ConfigDeltaException refusal)
    {
        try
        {
            document = ConfigDeltaDecoder.Decode(pending.Header, pending.Payload, _context.Current, _services.Limits);
            _services.Metrics.RecordDelta("patched");
            Log.LinkDeltaPatched(Logger, pending.Header.Hash, pending.Header.BaseHash, pending.Payload.Length, document.Length);
            refusal = null!;
            return true;
        }
        catch (ConfigDeltaException ex)
        {
            document = default;
            refusal = ex;
            return false;
        }
        catch (Exception ex) when (ex is OutOfMemoryException or InsufficientExecutionStackException)
        {
            document = default;
            refusal = new ConfigDeltaException(LinkProtocol.ConfigRequestReasons.PatchFailed, $"applying the patch failed with {ex.GetType().Name}: {ex.Message}", ex);
            return false;
        }
    }

    /// <summary>
    /// Sends a heartbeat every interval and declares the connection dead when nothing arrived for the
    /// timeout. Both deadlines are absolute, so a late timer still fires at the right moment.
    /// </summary>
    private async Task HeartbeatLoopAsync(CancellationToken token)
    {
        var interval = Options.HeartbeatInterval;
        var timeout = Options.HeartbeatTimeout;
        var nextHeartbeat = Time.GetTimestamp() + ToTicks(interval);

        // The request counters are running totals; each heartbeat carries what happened since the previous one.
        var (requests, failed) = (_context.Health.Requests, _context.Health.FailedRequests);
        while (true)
        {
            var now = Time.GetTimestamp();
            var deadline = Volatile.Read(ref _lastInbound) + ToTicks(timeout);
            if (now >= deadline)
            {
                Log.LinkHeartbeatTimeout(Logger, timeout);
                throw new TimeoutException($"no heartbeat answer from the control plane within {timeout}");
            }

            if (now >= nextHeartbeat)
            {
                var hash = _context.Current?.Hash;
                var health = _context.Health;
                await SendAsync(
                    new HeartbeatMessage
                    {
                        Type = LinkProtocol.Types.Heartbeat,
                        ConfigHash = hash,
                        Tier = Tier(),
                        Health = new HeartbeatHealth
                        {
                            Ready = health.Ready,
                            Requests = Math.Max(0, health.Requests - requests),
                            FailedRequests = Math.Max(0, health.FailedRequests - failed),
                            Bake = BakeState(health.Bake),
                            BakeHash = health.BakeHash,
                        },
                    },
                    token).ConfigureAwait(false);
                (requests, failed) = (health.Requests, health.FailedRequests);
                Log.LinkHeartbeatSent(Logger, hash);
                nextHeartbeat = now + ToTicks(interval);
                continue;
            }

            var wake = Math.Min(deadline, nextHeartbeat);
            await Task.Delay(FromTicks(wake - now), Time, token).ConfigureAwait(false);
        }
    }

    private ValueTask SendAsync<T>(T message, CancellationToken token)
        where T : LinkMessage =>
        _sendLock.SendAsync(
            (Socket: _socket, Bytes: LinkFraming.EncodeControl(message)),
            static (state, write) => state.Socket.SendAsync(state.Bytes.AsMemory(), WebSocketMessageType.Text, true, write.Token),
            $"a '{message.Type}' message",
            token);

    private ValueTask SendBinaryAsync(ReadOnlyMemory<byte> message, CancellationToken token) =>
        _sendLock.SendAsync(
            (Socket: _socket, Bytes: message),
            static (state, write) => state.Socket.SendAsync(state.Bytes, WebSocketMessageType.Binary, true, write.Token),
            "a telemetry batch",
            token);

    /// <summary>The tier the served configuration came from, for the control plane's registry.</summary>
    private string? Tier() => _context.Current?.Origin is { } origin and not ConfigOrigin.None ? origin.ToString() : null;

    private long ToTicks(TimeSpan span) => (long)(span.TotalSeconds * Time.TimestampFrequency);

    /// <summary>Rounds up, so a timer never wakes before its deadline and spins.</summary>
    private TimeSpan FromTicks(long ticks) => TimeSpan.FromTicks(Math.Max(1, (long)Math.Ceiling(ticks * (double)TimeSpan.TicksPerSecond / Time.TimestampFrequency)));
}
