using System.Collections.Concurrent;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Resilience.ClusterLink.WebSockets.Protocol;

namespace Resilience.ControlPlane;

/// <summary>
/// Accepts data-plane connections on the mapped endpoint and keeps one session per node id
/// (a reconnecting node replaces its old session). Every publish is offered to every session.
/// </summary>
internal sealed class DataPlaneHub : IDataPlaneSessions, IDataPlaneHub
{
    private readonly ConcurrentDictionary<string, DataPlaneSession> _sessions = new(StringComparer.Ordinal);
    private readonly ConfigPublisher _publisher;
    private readonly DataPlaneRegistry _registry;
    private readonly DataPlaneCertificateValidator _validator;
    private readonly IEnumerable<IDataPlaneTelemetryHandler> _telemetryHandlers;
    private readonly IDataPlaneUsageSink[] _usageSinks;
    private readonly DataPlaneHubOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly CancellationToken _stopping;
    private readonly DataPlaneAdmission? _admission;

    public DataPlaneHub(
        ConfigPublisher publisher,
        DataPlaneRegistry registry,
        DataPlaneCertificateValidator validator,
        IEnumerable<IDataPlaneTelemetryHandler> telemetryHandlers,
        IEnumerable<IDataPlaneUsageSink> usageSinks,
        IOptions<DataPlaneHubOptions> options,
        TimeProvider timeProvider,
        ILogger<DataPlaneHub> logger,
        ControlPlaneMetrics metrics,
        ConfigTargets targets,
        RolloutNodeTracker rollouts,
        IHostApplicationLifetime? lifetime = null,
        DataPlaneAdmission? admission = null)
    {
        Metrics = metrics;
        Targets = targets;
        Rollouts = rollouts;
        _admission = options.Value.Admission.Enabled ? admission : null;

        // Sessions end on application stopping, not only on their request's abort, so a stopping control
        // plane closes every connection with 1001 at once instead of waiting for the host's shutdown timeout.
        _stopping = lifetime?.ApplicationStopping ?? CancellationToken.None;
        _usageSinks = usageSinks.ToArray();
        _publisher = publisher;
        _registry = registry;
        _validator = validator;
        _telemetryHandlers = telemetryHandlers;
        _options = options.Value;
        ConfigSends = new ConfigSendSlots(_options.MaxConcurrentConfigSends);
        _timeProvider = timeProvider;
        _logger = logger;
        // A publish, a rollout's step or its end: each session sends what its node should serve now.
        _publisher.Published += _ => OfferTargets();
        Targets.Changed += OfferTargets;
        _publisher.LicensePublished += () =>
        {
            foreach (var session in _sessions.Values)
            {
                session.OfferLicense();
            }
        };
        _publisher.ConnectedCount = () => _sessions.Count;
        metrics.ObserveDataPlanes(registry.GetAll);
        SessionServices = new DataPlaneSessionServices(
            _options, timeProvider, logger, metrics, registry, publisher, publisher.Deltas, ConfigSends, this, this, telemetryHandlers.ToArray(), _usageSinks, targets, rollouts, _stopping);
    }

    /// <summary>Gets what every session works with (handed to it, not fetched from the hub).</summary>
    internal DataPlaneSessionServices SessionServices { get; }

    internal int ConnectedCount => _sessions.Count;

    /// <summary>Gets which configuration each node should serve (the latest publish, or its wave's during a rollout).</summary>
    internal ConfigTargets Targets { get; }

    /// <summary>Gets what the rollouts learn from the sessions.</summary>
    internal RolloutNodeTracker Rollouts { get; }

    internal CancellationToken Stopping => _stopping;

    internal ControlPlaneMetrics Metrics { get; }

    internal DataPlaneHubOptions Options => _options;

    /// <summary>Gets the turns sessions take to write a configuration.</summary>
    internal ConfigSendSlots ConfigSends { get; }

    internal TimeProvider Time => _timeProvider;

    internal ILogger Logger => _logger;

    internal DataPlaneRegistry Registry => _registry;

    internal IConfigPublisher Publisher => _publisher;

    /// <summary>Gets the recent configurations and the deltas between them, when deltas are on.</summary>
    internal ConfigDeltas? Deltas => _publisher.Deltas;

    internal IEnumerable<IDataPlaneTelemetryHandler> TelemetryHandlers => _telemetryHandlers;

    internal IReadOnlyList<IDataPlaneUsageSink> UsageSinks => _usageSinks;

    public async Task HandleAsync(HttpContext http)
    {
        var remote = http.Connection.RemoteIpAddress?.ToString();
        if (_stopping.IsCancellationRequested)
        {
            // Between "stopping" and Kestrel closing its listeners: the node retries another control plane or this one later.
            http.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            return;
        }

        var certificate = await http.Connection.GetClientCertificateAsync(http.RequestAborted).ConfigureAwait(false);
        if (_validator.ValidateConnection(certificate) is { } why)
        {
            Log.ConnectionRefused(_logger, remote, why);
            http.Response.StatusCode = StatusCodes.Status403Forbidden;
            return;
        }

        if (!http.WebSockets.IsWebSocketRequest)
        {
            http.Response.StatusCode = StatusCodes.Status400BadRequest;
            await http.Response.WriteAsync("this endpoint accepts only WebSocket connections from data planes", http.RequestAborted).ConfigureAwait(false);
            return;
        }

        if (!http.WebSockets.WebSocketRequestedProtocols.Contains(LinkProtocol.SubProtocol))
        {
            Log.ConnectionRefused(_logger, remote, $"it does not speak {LinkProtocol.SubProtocol}");
            http.Response.StatusCode = StatusCodes.Status400BadRequest;
            await http.Response.WriteAsync($"unsupported protocol: this control plane speaks {LinkProtocol.SubProtocol}", http.RequestAborted).ConfigureAwait(false);
            return;
        }

        // Admission before the upgrade: a refused node has cost a TLS handshake, not an upgrade, a hello and a full
        // configuration; it comes back when told.
        IDisposable? admission = null;
        if (_admission is not null)
        {
            (admission, var retryAfter) = await _admission.AdmitAsync(http.RequestAborted).ConfigureAwait(false);
            if (admission is null)
            {
                http.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
                http.Response.Headers.RetryAfter = ((long)retryAfter.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture);
                return;
            }
        }

        try
        {
            using var socket = await http.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext
            {
                SubProtocol = LinkProtocol.SubProtocol,
                KeepAliveInterval = TimeSpan.Zero,
            }).ConfigureAwait(false);
            var session = new DataPlaneSession(SessionServices, socket, certificate!.Subject, remote, admission);
            await session.RunAsync(http.RequestAborted).ConfigureAwait(false);
        }
        finally
        {
            admission?.Dispose();
        }
    }

    /// <inheritdoc/>
    public DataPlaneSession? Attach(string nodeId, DataPlaneSession session)
    {
        DataPlaneSession? replaced = null;
        _sessions.AddOrUpdate(nodeId, session, (_, old) =>
        {
            replaced = old;
            return session;
        });
        return replaced;
    }

    private void OfferTargets()
    {
        foreach (var session in _sessions.Values)
        {
            session.OfferTarget();
        }
    }

    public Task<DataPlaneRollbackResult> RollbackAsync(string nodeId, string hash, string? reason, string? actor, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(nodeId);
        ArgumentException.ThrowIfNullOrEmpty(hash);
        return _sessions.TryGetValue(nodeId, out var session)
            ? session.RollbackAsync(hash, reason, actor, cancellationToken)
            : Task.FromResult(new DataPlaneRollbackResult { Status = DataPlaneRollbackStatus.NotConnected, NodeId = nodeId, Hash = hash, Errors = ["the node is not connected to this control plane"] });
    }

    /// <inheritdoc/>
    public bool Detach(string nodeId, DataPlaneSession session) =>
        _sessions.TryRemove(new KeyValuePair<string, DataPlaneSession>(nodeId, session));
}
