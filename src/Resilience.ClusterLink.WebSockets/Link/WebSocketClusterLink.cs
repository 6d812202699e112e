using System.Net.WebSockets;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Resilience.ClusterLink.WebSockets.Protocol;

namespace Resilience.ClusterLink.WebSockets;

/// <summary>
/// Tier 1 over WebSocket with mutual TLS (docs/protocol.md): connects, says hello, sends heartbeats with
/// the served hash, applies pushed configurations (only the newest pending one) and answers with the
/// result. Any failure (refused connection, dead heartbeat, garbage from the peer) ends that connection
/// only; the link reconnects after a random delay, forever, and the served configuration is untouched.
/// With several endpoints a reconnect is a round that tries each once, in order from the one that last worked,
/// and the random delay is waited between rounds only.
/// </summary>
internal sealed class WebSocketClusterLink : IClusterLink
{
    private readonly ClusterLinkOptions _options;
    private readonly IClusterLinkConnector _connector;
    private readonly IClusterLinkJitter _jitter;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly ClusterLinkMetrics _metrics;
    private readonly IReadOnlyList<Uri> _endpoints;
    private readonly TelemetryFlusher? _telemetry;
    private readonly ILicenseReceiver? _license;

    public WebSocketClusterLink(
        ClusterLinkOptions options,
        IClusterLinkConnector connector,
        IClusterLinkJitter jitter,
        TimeProvider timeProvider,
        ILogger logger,
        ClusterLinkMetrics metrics,
        TelemetryFlusher? telemetry = null,
        ILicenseReceiver? license = null)
    {
        _telemetry = telemetry;
        _license = license;
        _options = options;
        _connector = connector;
        _jitter = jitter;
        _timeProvider = timeProvider;
        _logger = logger;
        _metrics = metrics;
        _endpoints = options.ResolveEndpoints();
        if (_endpoints.Count == 0)
        {
            throw new InvalidOperationException("ClusterLink:Endpoints is empty and ClusterLink:Endpoint is not set");
        }
    }

    public async Task RunAsync(IClusterLinkContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var attempts = 0;
        string? lastError = null;

        // When the outage began: the first attempt of a link never up, else the moment the connection was lost.
        // Kept across every Connecting/Disconnected report until a connection succeeds, so "down for longer
        // than a threshold" (health) measures the outage, not the current attempt.
        DateTimeOffset? downSince = null;

        // Where a round starts: the endpoint that last worked (the first until one has), so a node stays on the
        // control plane it was on across a blip and moves on only when that one fails. A connection the control
        // plane never answered on (accepted, then closed or silent) does not count as working: the next round
        // starts from the endpoint after it, so a broken replica behind a working TLS listener is not retried first forever.
        var first = 0;
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                // One round: every endpoint once, in list order from `first`, wrapping around; no delay inside it.
                LinkConnection? connection = null;
                var index = first;
                for (var tried = 0; tried < _endpoints.Count && connection is null; tried++)
                {
                    index = (first + tried) % _endpoints.Count;
                    var endpoint = _endpoints[index];
                    attempts++;
                    downSince ??= _timeProvider.GetUtcNow();
                    context.ReportState(new ClusterLinkState(ClusterLinkStatus.Connecting, downSince.Value, attempts, lastError) { Endpoint = endpoint });
                    Log.LinkConnecting(_logger, endpoint, attempts, _connector.Route);
                    using var activity = LinkActivities.StartConnect(endpoint);
                    try
                    {
                        connection = await _connector.ConnectAsync(endpoint, cancellationToken).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                    {
                        return;
                    }
                    catch (Exception ex)
                    {
                        _metrics.RecordConnectAttempt(endpoint, success: false);
                        activity.Failed(ex);
                        activity?.Dispose(); // the span is the attempt, not the back-off that may follow
                        lastError = Describe(ex);
                        if (tried + 1 < _endpoints.Count)
                        {
                            Log.LinkEndpointFailed(_logger, endpoint, attempts, lastError, _endpoints[(index + 1) % _endpoints.Count]);
                            continue;
                        }

                        // The round is over: wait the random delay, measured from this last failure.
                        var failedAt = _timeProvider.GetTimestamp();
                        var delay = NextDelay();
                        Log.LinkConnectFailed(_logger, endpoint, attempts, lastError, ServingNote(context), delay);
                        await WaitThenAsync(failedAt, delay, new ClusterLinkState(ClusterLinkStatus.Disconnected, downSince.Value, attempts, lastError) { Endpoint = endpoint }, context, cancellationToken).ConfigureAwait(false);
                    }
                }

                if (connection is null)
                {
                    continue;
                }

                var connected = _endpoints[index];
                _metrics.RecordConnectAttempt(connected, success: true);
                attempts = 0;
                downSince = null;
                bool answered;
                using (connection)
                {
                    _metrics.SetConnected(connected);
                    try
                    {
                        (lastError, answered) = await RunConnectionAsync(connection.Socket, connected, context, cancellationToken).ConfigureAwait(false);
                    }
                    finally
                    {
                        _metrics.SetConnected(null);
                    }
                }

                first = answered ? index : (index + 1) % _endpoints.Count;

                if (cancellationToken.IsCancellationRequested)
                {
                    return;
                }

                _metrics.RecordReconnect(connected);
                var lostAt = _timeProvider.GetTimestamp();
                downSince = _timeProvider.GetUtcNow();
                var reconnectDelay = NextDelay();
                Log.LinkLost(_logger, connected, lastError, ServingNote(context), reconnectDelay);
                await WaitThenAsync(lostAt, reconnectDelay, new ClusterLinkState(ClusterLinkStatus.Disconnected, downSince.Value, 0, lastError) { Endpoint = connected }, context, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        finally
        {
            Log.LinkStopped(_logger);
        }
    }

    /// <summary>Runs one established connection until it ends; returns why it ended and whether the control plane sent anything on it.</summary>
    internal async Task<(string Reason, bool Answered)> RunConnectionAsync(WebSocket socket, Uri endpoint, IClusterLinkContext context, CancellationToken cancellationToken)
    {
        using var session = new Session(this, socket, endpoint, context, cancellationToken);
        var reason = await session.RunAsync().ConfigureAwait(false);
        return (reason, session.Answered);
    }

    /// <summary>What the node serves meanwhile, for the warnings: a link outage changes nothing about it, but it may be nothing.</summary>
    private static string ServingNote(IClusterLinkContext context)
    {
        // The chain's context reports the last applied configuration (its hash goes to the control plane);
        // readers see nothing while an expired licence stops serving, and the warning must say so.
        var served = context is IDataPlane dataPlane ? dataPlane.Current : context.Current;
        return served is null ? "No configuration is served" : $"Still serving configuration {served.Hash}";
    }

    private TimeSpan NextDelay()
    {
        var min = _options.ReconnectDelayMin;
        var spread = _options.ReconnectDelayMax - min;
        var jitter = Math.Clamp(_jitter.NextDouble(), 0, 1);
        return min + (spread * jitter);
    }

    /// <summary>Starts the reconnect timer, then reports the state, so an observer of the state knows the timer runs.</summary>
    private async Task WaitThenAsync(long since, TimeSpan delay, ClusterLinkState state, IClusterLinkContext context, CancellationToken cancellationToken)
    {
        var remaining = delay - _timeProvider.GetElapsedTime(since);
        var wait = remaining > TimeSpan.Zero ? Task.Delay(remaining, _timeProvider, cancellationToken) : Task.CompletedTask;
        context.ReportState(state);
        await wait.ConfigureAwait(false);
    }

    private static string Describe(Exception ex)
    {
        // The innermost messages say what happened ("Connection refused", "407 ..."); keep them short.
        var messages = new List<string>();
        for (var e = ex; e is not null && messages.Count < 4; e = e.InnerException)
        {
            if (!messages.Contains(e.Message))
            {
                messages.Add(e.Message);
            }
        }

        return string.Join(" <- ", messages);
    }

    /// <summary>One connection: a receive loop, an apply loop and a heartbeat loop sharing a send lock.</summary>
    private sealed class Session : IDisposable
    {
        private readonly WebSocketClusterLink _link;
        private readonly WebSocket _socket;
        private readonly Uri _endpoint;
        private readonly IClusterLinkContext _context;
        private readonly CancellationTokenSource _ending;
        private readonly SemaphoreSlim _sendLock = new(1, 1);
        private readonly Channel<PendingConfig> _pending;
        private long _lastInbound;
        private volatile bool _answered;

        public Session(WebSocketClusterLink link, WebSocket socket, Uri endpoint, IClusterLinkContext context, CancellationToken stopping)
        {
            _link = link;
            _socket = socket;
            _endpoint = endpoint;
            _context = context;
            _ending = CancellationTokenSource.CreateLinkedTokenSource(stopping);

            // One slot: a newer push replaces the one waiting, so nothing older is applied after something newer.
            _pending = Channel.CreateBounded<PendingConfig>(
                new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true, SingleWriter = true },
                dropped => Log.LinkConfigDropped(_link._logger, dropped.Header.Hash));
        }

        /// <summary>Gets a value indicating whether anything arrived from the control plane on this connection.</summary>
        public bool Answered => _answered;

        private TimeProvider Time => _link._timeProvider;

        private ClusterLinkOptions Options => _link._options;

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
                    },
                    token).ConfigureAwait(false);

                // The heartbeat loop starts its timer synchronously, before the state says Connected.
                var heartbeat = HeartbeatLoopAsync(token);
                _context.ReportState(new ClusterLinkState(ClusterLinkStatus.Connected, Time.GetUtcNow()) { Endpoint = _endpoint });
                Log.LinkConnected(_link._logger, _endpoint, hash);
                var receive = Task.Run(() => ReceiveLoopAsync(token), CancellationToken.None);
                var apply = Task.Run(() => ApplyLoopAsync(token), CancellationToken.None);

                // Telemetry: what accumulated while disconnected goes first, then a batch every flush interval.
                var telemetry = _link._telemetry is { } flusher
                    ? Task.Run(() => flusher.RunAsync(SendBinaryAsync, token), CancellationToken.None)
                    : Task.Delay(Timeout.Infinite, token);

                var first = await Task.WhenAny(heartbeat, receive, apply, telemetry).ConfigureAwait(false);
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
                    telemetry.ContinueWith(_ => { }, TaskScheduler.Default)).ConfigureAwait(false);
                return reason;
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !_ending.IsCancellationRequested)
            {
                _socket.Abort();
                return Describe(ex);
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
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(1), Time);
            try
            {
                await _sendLock.WaitAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            try
            {
                await LinkFraming.CloseQuietlyAsync(_socket, violation.CloseCode, violation.Reason, TimeSpan.FromSeconds(1), Time).ConfigureAwait(false);
            }
            finally
            {
                _sendLock.Release();
            }
        }

        private string Reason(Task ended)
        {
            if (ended.Exception?.InnerException is { } ex)
            {
                return Describe(ex);
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
                        // welcome and heartbeat_ack only prove liveness (already noted); unknown types are ignored (docs/protocol.md, versioning).
                        var (type, root) = LinkFraming.ParseControl(message);
                        Log.LinkControlReceived(_link._logger, type);
                        if (type == LinkProtocol.Types.License && _link._license is { } license)
                        {
                            await OnLicenseAsync(license, LinkFraming.Deserialize<LicenseMessage>(root), token).ConfigureAwait(false);
                        }

                        continue;
                    }

                    var (header, payload) = LinkFraming.DecodeBinary(message);
                    if (header.Type == LinkProtocol.Types.Config)
                    {
                        Log.LinkConfigReceived(_link._logger, header.Hash, header.Version, payload.Length);
                        _pending.Writer.TryWrite(new PendingConfig(header, payload, Time.GetTimestamp()));
                    }
                }
            }
            catch (LinkProtocolException ex)
            {
                _link._metrics.RecordFrameRejected(ex.Reason);
                Log.LinkProtocolViolation(_link._logger, ex.Reason, ex.Message);
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
                var result = await ApplyAsync(pending, token).ConfigureAwait(false);
                var elapsed = Time.GetElapsedTime(pending.ReceivedAt);
                _link._metrics.RecordPushToApply(elapsed, result.Outcome);
                Log.LinkConfigHandled(_link._logger, result.Hash ?? pending.Header.Hash, result.Outcome, elapsed);
                await SendAsync(
                    new ApplyResultMessage
                    {
                        Type = LinkProtocol.Types.ApplyResult,
                        Hash = result.Hash ?? pending.Header.Hash,
                        Version = pending.Header.Version,
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
                    },
                    token).ConfigureAwait(false);
            }
        }

        private async ValueTask<ApplyResult> ApplyAsync(PendingConfig pending, CancellationToken token)
        {
            var header = pending.Header;
            ReadOnlyMemory<byte> content = pending.Payload;
            try
            {
                if (string.Equals(header.Encoding, LinkProtocol.Encodings.Gzip, StringComparison.OrdinalIgnoreCase))
                {
                    // Decompressed here under the link's own limit: a gzip bomb costs at most MaxDecompressedBytes.
                    content = Decompress(content, header.Size);
                }
                else if (header.Encoding is not (null or LinkProtocol.Encodings.Identity))
                {
                    throw new GzipContentException(RejectionReason.BadCompression, $"unknown encoding '{header.Encoding}'");
                }
            }
            catch (GzipContentException ex)
            {
                // Refused before the chain sees it (the chain's own pipeline logs its rejections under the same event id).
                Log.ConfigRejected(_link._logger, ConfigOrigin.ControlPlane, _endpoint.ToString(), ex.Reason, ex.Message);
                return ApplyResult.Rejected(ConfigOrigin.ControlPlane, header.Hash, ex.Reason, [ex.Message], Time.GetUtcNow());
            }

            var document = new ConfigDocument(content, ConfigFormat.Json, ConfigOrigin.ControlPlane)
            {
                Version = header.Version,
                Timestamp = header.Timestamp,
                ExpectedHash = header.Hash,
                Signature = header.Signature,
                Source = _endpoint.ToString(),
            };
            return await _context.ApplyAsync(document, token).ConfigureAwait(false);
        }

        /// <summary>
        /// Decompresses a pushed config under the link's own limit. An announced size sizes the output (a hint only:
        /// the decoder checks it against the limit and the deflate ratio) and must then be exactly what came out.
        /// </summary>
        private ReadOnlyMemory<byte> Decompress(ReadOnlyMemory<byte> compressed, long? announced)
        {
            var limit = Options.MaxDecompressedBytes;
            if (announced > limit)
            {
                throw new GzipContentException(RejectionReason.TooLarge, $"the announced size of {announced} bytes exceeds the limit of {limit} bytes");
            }

            var output = BoundedGzip.Decompress(compressed, limit, announced);
            if (announced is { } size && size > 0 && output.Length != size)
            {
                throw new GzipContentException(RejectionReason.BadCompression, $"the content does not decompress to the announced {size} bytes");
            }

            return output;
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
            while (true)
            {
                var now = Time.GetTimestamp();
                var deadline = Volatile.Read(ref _lastInbound) + ToTicks(timeout);
                if (now >= deadline)
                {
                    Log.LinkHeartbeatTimeout(_link._logger, timeout);
                    throw new TimeoutException($"no heartbeat answer from the control plane within {timeout}");
                }

                if (now >= nextHeartbeat)
                {
                    var hash = _context.Current?.Hash;
                    await SendAsync(new HeartbeatMessage { Type = LinkProtocol.Types.Heartbeat, ConfigHash = hash }, token).ConfigureAwait(false);
                    Log.LinkHeartbeatSent(_link._logger, hash);
                    nextHeartbeat = now + ToTicks(interval);
                    continue;
                }

                var wake = Math.Min(deadline, nextHeartbeat);
                await Task.Delay(FromTicks(wake - now), Time, token).ConfigureAwait(false);
            }
        }

        private async ValueTask SendAsync<T>(T message, CancellationToken token)
            where T : LinkMessage
        {
            using var timeout = new CancellationTokenSource(Options.WriteTimeout, Time);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(token, timeout.Token);
            await _sendLock.WaitAsync(linked.Token).ConfigureAwait(false);
            try
            {
                await LinkFraming.SendControlAsync(_socket, message, linked.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (timeout.IsCancellationRequested && !token.IsCancellationRequested)
            {
                throw new TimeoutException($"writing a '{message.Type}' message took longer than {Options.WriteTimeout}");
            }
            finally
            {
                _sendLock.Release();
            }
        }

        private async ValueTask SendBinaryAsync(ReadOnlyMemory<byte> message, CancellationToken token)
        {
            using var timeout = new CancellationTokenSource(Options.WriteTimeout, Time);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(token, timeout.Token);
            await _sendLock.WaitAsync(linked.Token).ConfigureAwait(false);
            try
            {
                await _socket.SendAsync(message, WebSocketMessageType.Binary, true, linked.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (timeout.IsCancellationRequested && !token.IsCancellationRequested)
            {
                throw new TimeoutException($"writing a telemetry batch took longer than {Options.WriteTimeout}");
            }
            finally
            {
                _sendLock.Release();
            }
        }

        private long ToTicks(TimeSpan span) => (long)(span.TotalSeconds * Time.TimestampFrequency);

        /// <summary>Rounds up, so a timer never wakes before its deadline and spins.</summary>
        private TimeSpan FromTicks(long ticks) => TimeSpan.FromTicks(Math.Max(1, (long)Math.Ceiling(ticks * (double)TimeSpan.TicksPerSecond / Time.TimestampFrequency)));
    }

    private sealed record PendingConfig(BinaryHeader Header, ReadOnlyMemory<byte> Payload, long ReceivedAt);
}
