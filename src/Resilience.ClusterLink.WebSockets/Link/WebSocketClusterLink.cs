using System.Net.WebSockets;
using Microsoft.Extensions.Logging;

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
    private readonly LinkSessionServices _sessionServices;

    public WebSocketClusterLink(
        ClusterLinkOptions options,
        IClusterLinkConnector connector,
        IClusterLinkJitter jitter,
        TimeProvider timeProvider,
        ILogger logger,
        ClusterLinkMetrics metrics,
        TelemetryFlusher? telemetry = null,
        ILicenseReceiver? license = null,
        ConfigLimits? limits = null)
    {
        _options = options;
        _connector = connector;
        _jitter = jitter;
        _timeProvider = timeProvider;
        _logger = logger;
        _metrics = metrics;
        _endpoints = options.ResolveEndpoints();
        _sessionServices = new LinkSessionServices(options, limits ?? ConfigLimits.Default, timeProvider, logger, metrics, telemetry, license);
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
                TimeSpan? askedToWait = null; // the longest Retry-After a busy control plane of this round asked for
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
                        if (ex is ControlPlaneBusyException { RetryAfter: { } asked })
                        {
                            askedToWait = askedToWait > asked ? askedToWait : asked;
                        }

                        if (tried + 1 < _endpoints.Count)
                        {
                            Log.LinkEndpointFailed(_logger, endpoint, attempts, lastError, _endpoints[(index + 1) % _endpoints.Count]);
                            continue;
                        }

                        // The round is over: wait the random delay (or what a busy control plane asked for), measured
                        // from this last failure.
                        var failedAt = _timeProvider.GetTimestamp();
                        var retryAfter = askedToWait is { } wanted ? BusyDelay(wanted) : (TimeSpan?)null;
                        var delay = retryAfter ?? NextDelay();
                        if (retryAfter is not null)
                        {
                            Log.LinkControlPlaneBusy(_logger, endpoint, attempts, lastError, askedToWait!.Value, ServingNote(context), delay);
                        }
                        else
                        {
                            Log.LinkConnectFailed(_logger, endpoint, attempts, lastError, ServingNote(context), delay);
                        }

                        await WaitThenAsync(failedAt, delay, new ClusterLinkState(ClusterLinkStatus.Disconnected, downSince.Value, attempts, lastError) { Endpoint = endpoint, RetryAfter = retryAfter }, context, cancellationToken).ConfigureAwait(false);
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
        using var session = new LinkSession(_sessionServices, socket, endpoint, context, cancellationToken);
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

    /// <summary>
    /// The wait a busy control plane asked for (<c>Retry-After</c> on 503 or 429), as every node of a fleet should take it:
    /// never below <see cref="ClusterLinkOptions.ReconnectDelayMin"/> (the reference's 5 s), never above
    /// <see cref="ClusterLinkOptions.MaxRetryAfter"/>, plus the usual random spread so a fleet told the same does not
    /// come back in the same second.
    /// </summary>
    private TimeSpan BusyDelay(TimeSpan asked)
    {
        var floor = asked > _options.ReconnectDelayMin ? asked : _options.ReconnectDelayMin;
        var capped = floor < _options.MaxRetryAfter ? floor : _options.MaxRetryAfter;
        var spread = _options.ReconnectDelayMax - _options.ReconnectDelayMin;
        return capped + (spread * Math.Clamp(_jitter.NextDouble(), 0, 1));
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

    /// <summary>The innermost messages of an error, for the state and the log.</summary>
    internal static string Describe(Exception ex)
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
}
