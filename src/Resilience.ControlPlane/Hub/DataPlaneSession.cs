using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Threading.Channels;
using Resilience.ClusterLink.WebSockets.Protocol;

namespace Resilience.ControlPlane;

/// <summary>
/// One data plane's connection: hello (<see cref="DataPlaneHello"/>), then a receive loop (heartbeats, apply results;
/// telemetry goes to <see cref="DataPlaneTelemetryIntake"/>), a send loop that always sends the newest offered
/// configuration (one slot, nothing old queued) and an idle watchdog (<see cref="DataPlaneWatchdog"/>). A node that rolled
/// back or reverted is never sent the configuration it went back from (its <c>rolled_back</c>/<c>reverted</c> reports), and
/// a <c>rollback</c> request (<see cref="RollbackAsync"/>) waits for the node's answer.
/// </summary>
internal sealed class DataPlaneSession
{
    private readonly DataPlaneSessionServices _services;
    private readonly WebSocket _socket;
    private readonly string _subject;
    private readonly string? _remote;
    private readonly TimedSendLock _sendLock;
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly CancellationTokenSource _ending = new();
    private readonly TaskCompletionSource _replaced = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _stopping = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly DataPlaneTelemetryIntake _telemetry;
    private readonly DataPlaneWatchdog _watchdog;
    private Offered? _pending;
    private int _licenseOffered;
    private string? _sentHash;
    private IReadOnlyDictionary<string, string> _labels = new Dictionary<string, string>();
    private string? _inFlightHash;
    private string? _rejectedHash;
    private string? _rolledBackHash;
    private readonly ConcurrentDictionary<string, TaskCompletionSource<ApplyResultMessage>> _rollbackRequests = new(StringComparer.Ordinal);
    private IReadOnlyList<string> _capabilities = [];
    private bool _acceptsDeltas;
    private string? _nodeHash;
    private string? _fullRequested;
    private int _closeCode;
    private string _nodeId = "(before hello)";
    private IDisposable? _admission;

    // admission: the admission lease (DataPlaneAdmission), given back once the first configuration is sent, or null.
    public DataPlaneSession(DataPlaneSessionServices services, WebSocket socket, string subject, string? remote, IDisposable? admission = null)
    {
        _admission = admission;
        _services = services;
        _sendLock = new TimedSendLock(services.Options.WriteTimeout, services.Time);
        _socket = socket;
        _subject = subject;
        _remote = remote;

        _telemetry = new DataPlaneTelemetryIntake(services);
        _watchdog = new DataPlaneWatchdog(services.Time, services.Options.DataPlaneTimeout);
    }

    private TimeProvider Time => _services.Time;

    private DataPlaneHubOptions Options => _services.Options;

    /// <summary>Offers a configuration; it replaces an older one not yet sent. <paramref name="force"/> sends it even if it was sent before (stale-hash resend).</summary>
    public void Offer(PublishedConfig config, bool force = false)
    {
        while (true)
        {
            var current = Volatile.Read(ref _pending);
            if (current is not null && current.Config.Sequence > config.Sequence)
            {
                break;
            }

            if (Interlocked.CompareExchange(ref _pending, new Offered(config, force || current?.Force == true), current) == current)
            {
                break;
            }
        }

        _wake.Writer.TryWrite(true);
    }

    /// <summary>Offers what this node should serve now (the latest publish, or its wave's during a rollout), if anything.</summary>
    public void OfferTarget(bool force = false)
    {
        if (Target() is { } target)
        {
            Offer(target, force);
        }
    }

    /// <summary>Offers the publisher's licence; the send loop sends the newest one.</summary>
    public void OfferLicense()
    {
        Volatile.Write(ref _licenseOffered, 1);
        _wake.Writer.TryWrite(true);
    }

    /// <summary>Ends this session because a newer connection of the same node took over (close code 4001).</summary>
    public void Replace()
    {
        Interlocked.CompareExchange(ref _closeCode, LinkProtocol.CloseCodes.Replaced, 0);
        _replaced.TrySetResult();
    }

    public async Task RunAsync(CancellationToken requestAborted)
    {
        // Application stopping is not linked in: cancelling a pending receive aborts the socket, and a stopping
        // control plane must close with 1001 first (the stopping task below ends the session that way).
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(requestAborted, _ending.Token);
        var token = linked.Token;
        using var onStopping = _services.Stopping.Register(static s => ((TaskCompletionSource)s!).TrySetResult(), _stopping);
        _watchdog.MarkInbound();
        HelloMessage hello;
        try
        {
            using var helloWait = CancellationTokenSource.CreateLinkedTokenSource(token, _services.Stopping);
            hello = await DataPlaneHello.ReceiveAsync(_socket, Options.HelloTimeout, Time, helloWait.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is LinkProtocolException or TimeoutException or WebSocketException or OperationCanceledException)
        {
            Log.ConnectionRefused(_services.Logger, _remote, $"bad hello: {ex.Message}");
            var code = ex is LinkProtocolException violation ? violation.CloseCode
                : _services.Stopping.IsCancellationRequested ? (int)WebSocketCloseStatus.EndpointUnavailable
                : LinkProtocol.CloseCodes.BadHello;
            await LinkFraming.CloseQuietlyAsync(_socket, code, "bad hello", TimeSpan.FromSeconds(1), Time).ConfigureAwait(false);
            return;
        }

        _nodeId = hello.NodeId!;
        _labels = hello.Labels ?? new Dictionary<string, string>();
        _capabilities = hello.Capabilities is { } capabilities ? capabilities.Where(c => !string.IsNullOrEmpty(c)).Take(32).ToArray() : [];
        _acceptsDeltas = hello.Capabilities?.Contains(LinkProtocol.Capabilities.Delta) == true;
        _nodeHash = hello.ConfigHash;
        var now = Time.GetUtcNow();
        _services.Registry.Update(_nodeId, old => new DataPlaneInfo
        {
            NodeId = _nodeId,
            Hostname = hello.Hostname,
            Version = hello.Version,
            Labels = hello.Labels ?? new Dictionary<string, string>(),
            CertificateSubject = _subject,
            RemoteAddress = _remote,
            IsConnected = true,
            ConnectedAt = now,
            LastSeen = now,
            ConfigHash = hello.ConfigHash,
            ServingTier = hello.Tier,
            LastApplyError = old?.LastApplyError,
            RejectedHash = old?.RejectedHash,
            Capabilities = _capabilities,
            LastRollback = old?.LastRollback,
            RolledBackHash = old?.RolledBackHash,
            Health = old?.Health,
            TelemetryBatches = old?.TelemetryBatches ?? 0,
            TelemetryRecords = old?.TelemetryRecords ?? 0,
            TelemetryDropped = old?.TelemetryDropped ?? 0,
            LastTelemetryAt = old?.LastTelemetryAt,
        });
        _rejectedHash = _services.Registry.Find(_nodeId)?.RejectedHash;
        _rolledBackHash = _services.Registry.Find(_nodeId)?.RolledBackHash;
        _services.Sessions.Attach(_nodeId, this)?.Replace();
        _services.Rollouts.Connected(_nodeId, _labels, canRollBack: CanRollBack, hello.ConfigHash);
        Log.DataPlaneConnected(_services.Logger, _nodeId, hello.Hostname, hello.Version, _remote, hello.ConfigHash);

        var why = "the connection ended";
        Task? deliveries = null;
        try
        {
            // What this node should serve: the latest publish, or during a rollout the configuration of its wave (the
            // stable one when its wave has not started), also after a reconnect.
            var target = Target();
            await SendControlAsync(
                new WelcomeMessage { Type = LinkProtocol.Types.Welcome, Protocol = LinkProtocol.Version, LatestHash = target?.Hash, StableHash = _services.Targets.Stable?.Hash },
                token).ConfigureAwait(false);
            if (_services.Publisher.License is not null)
            {
                OfferLicense();
            }

            if (target is not null && target.Hash != hello.ConfigHash && target.Hash != Volatile.Read(ref _rolledBackHash))
            {
                Offer(target);
            }
            else
            {
                ReleaseAdmission(); // nothing to send: the admitted work is done
            }

            var watchdog = _watchdog.RunAsync(token);
            var send = Task.Run(() => SendLoopAsync(token), CancellationToken.None);
            var receive = Task.Run(() => ReceiveLoopAsync(token), CancellationToken.None);
            deliveries = Task.Run(() => _telemetry.DeliverAsync(_nodeId, token), CancellationToken.None);
            var first = await Task.WhenAny(watchdog, send, receive, _replaced.Task, _stopping.Task).ConfigureAwait(false);
            var stopping = first == _stopping.Task;
            why = stopping ? "the control plane is stopping"
                : first.Exception?.InnerException?.Message ?? (Volatile.Read(ref _closeCode) == LinkProtocol.CloseCodes.Replaced ? "replaced by a newer connection" : "the connection ended");
            var code = first.Exception?.InnerException switch
            {
                _ when stopping => (int)WebSocketCloseStatus.EndpointUnavailable,
                LinkProtocolException violation => violation.CloseCode,
                TimeoutException => LinkProtocol.CloseCodes.HeartbeatTimeout,
                _ => Volatile.Read(ref _closeCode) is var c and not 0 ? c : (int)WebSocketCloseStatus.NormalClosure,
            };

            // Say why before cancelling: cancelling a pending receive aborts the socket. The receive loop,
            // if still running, takes the peer's close frame and ends.
            await CloseOutputAsync(code, why, receivePending: !receive.IsCompleted).ConfigureAwait(false);
            await Task.WhenAny(receive, Task.Delay(TimeSpan.FromSeconds(1), Time)).ConfigureAwait(false);
            await _ending.CancelAsync().ConfigureAwait(false);
            _socket.Abort();
            await Task.WhenAll(Quiet(watchdog), Quiet(send), Quiet(receive)).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or TimeoutException or IOException)
        {
            why = ex.Message;
            _socket.Abort();
        }
        finally
        {
            foreach (var pending in _rollbackRequests.Values)
            {
                pending.TrySetCanceled();
            }

            ReleaseAdmission();
            _telemetry.Complete();
            if (deliveries is not null)
            {
                // A sink that ignores cancellation keeps only its own task; the session does not wait for it.
                await Task.WhenAny(deliveries, Task.Delay(TimeSpan.FromSeconds(1), Time)).ConfigureAwait(false);
            }

            if (_services.Sessions.Detach(_nodeId, this))
            {
                _services.Rollouts.Disconnected(_nodeId);
                var seen = Time.GetUtcNow();
                _services.Registry.Update(_nodeId, old => (old ?? new DataPlaneInfo { NodeId = _nodeId }) with { IsConnected = false, LastSeen = seen });
            }

            Log.DataPlaneDisconnected(_services.Logger, _nodeId, why);
            _ending.Dispose();
            _sendLock.Dispose();
        }
    }

    /// <summary>Gives the admission turn back (first configuration sent, nothing to send, or the session ended); once.</summary>
    private void ReleaseAdmission() => Interlocked.Exchange(ref _admission, null)?.Dispose();

    private async Task CloseOutputAsync(int code, string why, bool receivePending)
    {
        if (receivePending)
        {
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(1), Time);
                if (!await _sendLock.TryEnterAsync(TimeSpan.FromSeconds(1)).ConfigureAwait(false))
                {
                    return;
                }

                try
                {
                    if (_socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
                    {
                        await _socket.CloseOutputAsync((WebSocketCloseStatus)code, why.Length <= 100 ? why : why[..100], timeout.Token).ConfigureAwait(false);
                    }
                }
                finally
                {
                    _sendLock.Exit();
                }
            }
            catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ObjectDisposedException or IOException or InvalidOperationException)
            {
            }
        }
        else
        {
            await LinkFraming.CloseQuietlyAsync(_socket, code, why, TimeSpan.FromSeconds(1), Time).ConfigureAwait(false);
        }
    }

    private static Task Quiet(Task task) => task.ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);

    private async Task ReceiveLoopAsync(CancellationToken token)
    {
        try
        {
            while (true)
            {
                var frame = await LinkFraming.ReceiveAsync(_socket, Options.MaxMessageBytes, _watchdog.MarkInbound, token).ConfigureAwait(false);
                if (frame is not { } message)
                {
                    return;
                }

                var seen = Time.GetUtcNow();
                if (message.Kind == WebSocketMessageType.Text)
                {
                    var (type, root) = LinkFraming.ParseControl(message);
                    switch (type)
                    {
                        case LinkProtocol.Types.Heartbeat:
                            await OnHeartbeatAsync(LinkFraming.Deserialize<HeartbeatMessage>(root), seen, token).ConfigureAwait(false);
                            break;
                        case LinkProtocol.Types.ApplyResult:
                            OnApplyResult(LinkFraming.Deserialize<ApplyResultMessage>(root), seen);
                            break;
                        case LinkProtocol.Types.ConfigRequest:
                            OnConfigRequest(LinkFraming.Deserialize<ConfigRequestMessage>(root), seen);
                            break;
                        default:
                            // Unknown types are ignored: a newer data plane may send more (docs/protocol.md, versioning).
                            _services.Registry.Update(_nodeId, old => (old ?? new DataPlaneInfo { NodeId = _nodeId }) with { LastSeen = seen });
                            break;
                    }

                    continue;
                }

                var (header, payload) = LinkFraming.DecodeBinary(message);
                if (header.Type == LinkProtocol.Types.Telemetry)
                {
                    _telemetry.Accept(_nodeId, header, payload);
                }
            }
        }
        catch (LinkProtocolException ex)
        {
            Log.ProtocolViolation(_services.Logger, _nodeId, ex.Reason, ex.Message);
            throw;
        }
    }

    private async Task OnHeartbeatAsync(HeartbeatMessage heartbeat, DateTimeOffset seen, CancellationToken token)
    {
        _services.Registry.Update(_nodeId, old => (old ?? new DataPlaneInfo { NodeId = _nodeId }) with
        {
            LastSeen = seen,
            ConfigHash = heartbeat.ConfigHash,
            ServingTier = heartbeat.Tier ?? old?.ServingTier,
            Health = heartbeat.Health is { } health ? ToHealth(health, old?.Health, seen) : old?.Health,
        });
        if (heartbeat.Health is { } reported)
        {
            _services.Metrics.RecordHealth(_nodeId, Math.Max(0, reported.Requests), Math.Max(0, reported.FailedRequests));
        }

        // What the rollout's gates read: the failed-request share and readiness (an older node sends no health: undecided).
        _services.Rollouts.Heartbeat(_nodeId, heartbeat.ConfigHash, heartbeat.Health?.Requests, heartbeat.Health?.FailedRequests, heartbeat.Health?.Ready);
        if (Volatile.Read(ref _inFlightHash) is null)
        {
            Volatile.Write(ref _nodeHash, heartbeat.ConfigHash);
        }

        var latest = Target();
        await SendControlAsync(new HeartbeatMessage { Type = LinkProtocol.Types.HeartbeatAck, LatestHash = latest?.Hash, StableHash = _services.Targets.Stable?.Hash }, token).ConfigureAwait(false);
        if (latest is not null
            && heartbeat.ConfigHash != latest.Hash
            && Volatile.Read(ref _rejectedHash) != latest.Hash
            && Volatile.Read(ref _rolledBackHash) != latest.Hash
            && Volatile.Read(ref _inFlightHash) != latest.Hash)
        {
            Log.StaleHashResend(_services.Logger, _nodeId, heartbeat.ConfigHash, latest.Hash);
            Offer(latest, force: true);
        }
    }

    private static DataPlaneHealth ToHealth(HeartbeatHealth health, DataPlaneHealth? previous, DateTimeOffset seen)
    {
        // A peer's counts: negative ones are nonsense, not a reason to close the connection.
        var requests = Math.Max(0, health.Requests);
        var failed = Math.Clamp(health.FailedRequests, 0, requests);
        return new DataPlaneHealth
        {
            Ready = health.Ready,
            Requests = requests,
            FailedRequests = failed,
            TotalRequests = SaturatingAdd(previous?.TotalRequests ?? 0, requests),
            TotalFailedRequests = SaturatingAdd(previous?.TotalFailedRequests ?? 0, failed),
            Bake = health.Bake,
            BakeHash = health.BakeHash,
            ReportedAt = seen,
        };
    }

    private static long SaturatingAdd(long a, long b) => a > long.MaxValue - b ? long.MaxValue : a + b;

    /// <summary>Sends a <c>rollback</c> to this node and waits for its answer (an <c>apply_result</c> about that hash).</summary>
    public async Task<DataPlaneRollbackResult> RollbackAsync(string hash, string? reason, string? actor, CancellationToken cancellationToken)
    {
        if (!_capabilities.Contains(LinkProtocol.Capabilities.History, StringComparer.Ordinal))
        {
            return new DataPlaneRollbackResult { Status = DataPlaneRollbackStatus.NotSupported, NodeId = _nodeId, Hash = hash, Errors = ["the node keeps no history (no 'history' capability in its hello)"] };
        }

        var answer = new TaskCompletionSource<ApplyResultMessage>(TaskCreationOptions.RunContinuationsAsynchronously);
        var waiting = _rollbackRequests.GetOrAdd(hash, answer);
        if (ReferenceEquals(waiting, answer))
        {
            Log.RollbackRequested(_services.Logger, _nodeId, hash, actor, reason);
            try
            {
                await SendControlAsync(new RollbackMessage { Type = LinkProtocol.Types.Rollback, Hash = hash, Reason = reason, Actor = actor ?? "control-plane" }, _ending.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or TimeoutException or ObjectDisposedException or IOException)
            {
                _rollbackRequests.TryRemove(new KeyValuePair<string, TaskCompletionSource<ApplyResultMessage>>(hash, answer));
                return new DataPlaneRollbackResult { Status = DataPlaneRollbackStatus.NotConnected, NodeId = _nodeId, Hash = hash, Errors = [ex.Message] };
            }
        }

        ApplyResultMessage reply;
        try
        {
            // The node applies through its whole pipeline: allow it the write timeout on top of the send's.
            reply = await waiting.Task.WaitAsync(Options.WriteTimeout * 2, Time, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            return new DataPlaneRollbackResult { Status = DataPlaneRollbackStatus.TimedOut, NodeId = _nodeId, Hash = hash, Errors = [$"no answer within {Options.WriteTimeout * 2}"] };
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new DataPlaneRollbackResult { Status = DataPlaneRollbackStatus.NotConnected, NodeId = _nodeId, Hash = hash, Errors = ["the connection ended before the node answered"] };
        }
        finally
        {
            _rollbackRequests.TryRemove(new KeyValuePair<string, TaskCompletionSource<ApplyResultMessage>>(hash, waiting));
        }

        var status = reply.Outcome switch
        {
            LinkProtocol.Outcomes.RolledBack or LinkProtocol.Outcomes.Applied => DataPlaneRollbackStatus.RolledBack,
            LinkProtocol.Outcomes.Unchanged => DataPlaneRollbackStatus.Unchanged,
            _ => DataPlaneRollbackStatus.Rejected,
        };
        return new DataPlaneRollbackResult
        {
            Status = status,
            NodeId = _nodeId,
            Hash = hash,
            ServedHash = reply.ConfigHash,
            Reason = status == DataPlaneRollbackStatus.Rejected ? reply.Reason : null,
            Errors = reply.Errors is { Count: > 0 } errors ? errors : [],
        };
    }

    /// <summary>The node's answer to a rollback request: about the hash asked for, and not the report of a rollback from it.</summary>
    private bool AnswersRollbackRequest(ApplyResultMessage result)
    {
        var asked = result.Outcome is LinkProtocol.Outcomes.RolledBack or LinkProtocol.Outcomes.Reverted ? result.ConfigHash : result.Hash;
        if (asked is null || !_rollbackRequests.TryGetValue(asked, out var waiting))
        {
            return false;
        }

        waiting.TrySetResult(result);
        return result.Outcome is not (LinkProtocol.Outcomes.RolledBack or LinkProtocol.Outcomes.Reverted);
    }

    /// <summary>The node went back from a configuration: the registry shows it, and that hash is not pushed to it again.</summary>
    private void OnRollback(ApplyResultMessage result, DateTimeOffset seen)
    {
        if (result.Hash is not { Length: > 0 } from)
        {
            return;
        }

        var kind = result.Outcome == LinkProtocol.Outcomes.Reverted ? DataPlaneRollbackKind.Reverted : DataPlaneRollbackKind.RolledBack;
        Volatile.Write(ref _rolledBackHash, from);
        ClearInFlight(from);
        if (result.ConfigHash is { } served)
        {
            // A delta's base is what the node serves now.
            Volatile.Write(ref _nodeHash, served);
        }

        _services.Metrics.RecordRollback(kind);
        Log.DataPlaneRolledBack(_services.Logger, _nodeId, kind, from, result.ConfigHash, result.Actor, result.Reason);
        _services.Registry.Update(_nodeId, old => (old ?? new DataPlaneInfo { NodeId = _nodeId }) with
        {
            LastSeen = seen,
            ConfigHash = result.ConfigHash ?? old?.ConfigHash,
            RolledBackHash = from,
            LastRollback = new DataPlaneRollback { Kind = kind, FromHash = from, ToHash = result.ConfigHash, Reason = result.Reason, Actor = result.Actor, At = seen },
        });

        // A rollout's gate: a revert, or a rollback by anyone but the rollout itself, fails the wave (RolloutActors).
        _services.Rollouts.Outcome(
            _nodeId, from, kind == DataPlaneRollbackKind.Reverted ? RolloutNodeState.Reverted : RolloutNodeState.RolledBack, result.Reason, result.Actor, result.ConfigHash);
    }

    private void OnApplyResult(ApplyResultMessage result, DateTimeOffset seen)
    {
        if (AnswersRollbackRequest(result))
        {
            if (result.ConfigHash is { } now)
            {
                Volatile.Write(ref _nodeHash, now);
            }

            _services.Registry.Update(_nodeId, old => (old ?? new DataPlaneInfo { NodeId = _nodeId }) with { LastSeen = seen, ConfigHash = result.ConfigHash ?? old?.ConfigHash });
            _services.Rollouts.Served(_nodeId, result.ConfigHash);
            return;
        }

        if (result.Outcome is LinkProtocol.Outcomes.RolledBack or LinkProtocol.Outcomes.Reverted)
        {
            OnRollback(result, seen);
            return;
        }

        ClearInFlight(result.Hash);
        if (result.ConfigHash is { } served)
        {
            Volatile.Write(ref _nodeHash, served);
        }

        // A refusal because the node went back from exactly that configuration is the rollback, not an apply error: a push
        // that crossed the node's report (a control plane that had not heard of it yet). It is not pushed again.
        var refusedAsRolledBack = result.Outcome == LinkProtocol.Outcomes.Rejected && result.Reason == nameof(RejectionReason.RolledBack) && result.Hash is { Length: > 0 };
        if (refusedAsRolledBack)
        {
            Volatile.Write(ref _rolledBackHash, result.Hash);
            Log.RolledBackNotSent(_services.Logger, result.Hash!, _nodeId);
            var standing = _services.Registry.Find(_nodeId)?.LastRollback;
            _services.Registry.Update(_nodeId, old => (old ?? new DataPlaneInfo { NodeId = _nodeId }) with { LastSeen = seen, RolledBackHash = result.Hash });
            _services.Rollouts.Outcome(
                _nodeId,
                result.Hash,
                RolloutNodeState.RolledBack,
                standing is not null && standing.FromHash == result.Hash ? standing.Reason : "the node went back from it and refuses it while that rollback stands",
                standing is not null && standing.FromHash == result.Hash ? standing.Actor : null,
                result.ConfigHash);
            return;
        }

        var rejected = result.Outcome == LinkProtocol.Outcomes.Rejected;
        var serving = result.Outcome is LinkProtocol.Outcomes.Applied or LinkProtocol.Outcomes.Unchanged;
        var errors = result.Errors is { Count: > 0 } list ? string.Join("; ", list) : result.Reason ?? "rejected";
        if (rejected)
        {
            Volatile.Write(ref _rejectedHash, result.Hash);
            Log.ConfigRejectedByDataPlane(_services.Logger, _nodeId, result.Hash, result.Reason, errors);
            _services.Rollouts.Outcome(_nodeId, result.Hash, RolloutNodeState.Rejected, $"{result.Reason}: {errors}", actor: null, result.ConfigHash);
        }
        else
        {
            _services.Rollouts.Served(_nodeId, result.ConfigHash ?? (serving ? result.Hash : null));
        }

        // Serving another configuration of ours ends the node's rollback: it takes the old hash again after that.
        var endsRollback = serving && result.Hash != Volatile.Read(ref _rolledBackHash);
        if (endsRollback)
        {
            Volatile.Write(ref _rolledBackHash, null);
        }

        _services.Registry.Update(_nodeId, old => (old ?? new DataPlaneInfo { NodeId = _nodeId }) with
        {
            LastSeen = seen,
            ConfigHash = result.ConfigHash ?? (serving ? result.Hash : old?.ConfigHash),
            ServingTier = serving ? nameof(ConfigOrigin.ControlPlane) : old?.ServingTier,
            LastApplyError = rejected ? $"{result.Reason}: {errors}" : serving ? null : old?.LastApplyError,
            RejectedHash = rejected ? result.Hash : serving ? null : old?.RejectedHash,
            RolledBackHash = endsRollback ? null : old?.RolledBackHash,
        });
    }

    /// <summary>A node could not use a delta: it keeps serving what it serves; it gets the whole configuration, and no delta to that one again.</summary>
    private void OnConfigRequest(ConfigRequestMessage request, DateTimeOffset seen)
    {
        Log.ConfigRequested(_services.Logger, _nodeId, request.Hash, request.Reason, request.Error, request.ConfigHash);
        _services.Metrics.RecordConfigRequest(request.Reason);
        ClearInFlight(request.Hash);
        Volatile.Write(ref _nodeHash, request.ConfigHash);
        Volatile.Write(ref _fullRequested, request.Hash);
        _services.Registry.Update(_nodeId, old => (old ?? new DataPlaneInfo { NodeId = _nodeId }) with { LastSeen = seen, ConfigHash = request.ConfigHash });
        OfferTarget(force: true);
    }

    /// <summary>
    /// The node answered about <paramref name="hash"/>: it is no longer in flight. By value: the answer's hash is another
    /// string instance than the one sent, and <see cref="Interlocked.CompareExchange{T}(ref T, T, T)"/> compares references.
    /// </summary>
    private void ClearInFlight(string? hash)
    {
        if (Volatile.Read(ref _inFlightHash) is { } inFlight && string.Equals(inFlight, hash, StringComparison.Ordinal))
        {
            Interlocked.CompareExchange(ref _inFlightHash, null, inFlight);
        }
    }

    private async Task SendLoopAsync(CancellationToken token)
    {
        await foreach (var _ in _wake.Reader.ReadAllAsync(token).ConfigureAwait(false))
        {
            // The licence goes before the configuration it comes with.
            if (Interlocked.Exchange(ref _licenseOffered, 0) == 1 && _services.Publisher.License is { } license)
            {
                await SendControlAsync(
                    new LicenseMessage { Type = LinkProtocol.Types.License, Payload = Convert.ToBase64String(license.Payload.Span), Signature = license.Signature },
                    token).ConfigureAwait(false);
                Log.LicenseSent(_services.Logger, license.Subject, _nodeId);
            }

            if (Interlocked.Exchange(ref _pending, null) is not { } offered)
            {
                continue;
            }

            // Nothing old: what this node should serve now (a newer publish, or a rollout's step meanwhile), not what was offered.
            if (Target() is not { } config || (!offered.Force && (config.Hash == Volatile.Read(ref _sentHash) || config.Hash == Volatile.Read(ref _nodeHash))))
            {
                // Sent already, or the node serves it already (it refused a candidate and kept this one, it reverted to it).
                continue;
            }

            if (config.Hash == Volatile.Read(ref _rolledBackHash))
            {
                // The node went back from exactly this one; it would refuse it. It gets the next other one.
                Log.RolledBackNotSent(_services.Logger, config.Hash, _nodeId);
                continue;
            }

            Volatile.Write(ref _inFlightHash, config.Hash);
            if (RollbackByHash(config) is { } rollout)
            {
                // The node still has it in its history: no payload. In flight meanwhile, so that a heartbeat that still
                // names the candidate does not send the payload as well.
                var rollingBack = Task.Run(() => RollBackByHashAsync(config, rollout, token), CancellationToken.None);
                continue;
            }

            var (message, deltaBase) = await ChooseMessageAsync(config, token).ConfigureAwait(false);

            // What the node will serve once it applies this (an apply result or a request for the whole says otherwise):
            // written before the send, so an answer that arrives before the send returns is not overwritten.
            Volatile.Write(ref _nodeHash, config.Hash);
            await SendConfigAsync(message, token).ConfigureAwait(false);
            ReleaseAdmission();
            _services.Metrics.RecordConfigSent(deltaBase is not null, message.Length);
            Volatile.Write(ref _sentHash, config.Hash);
            if (deltaBase is null)
            {
                Log.ConfigSent(_services.Logger, config.Hash, _nodeId);
            }
            else
            {
                Log.DeltaSent(_services.Logger, config.Hash, _nodeId, deltaBase, message.Length);
            }
        }
    }

    /// <summary>
    /// A delta from what the node serves when it can take one and one is worth sending (docs/protocol.md, "Delta sync"),
    /// else the whole configuration; never a delta to a configuration the node asked to get whole.
    /// </summary>
    private async ValueTask<(ReadOnlyMemory<byte> Message, string? DeltaBase)> ChooseMessageAsync(PublishedConfig config, CancellationToken token)
    {
        if (_acceptsDeltas
            && _services.Deltas is { } deltas
            && Volatile.Read(ref _nodeHash) is { } served
            && served != config.Hash
            && Volatile.Read(ref _fullRequested) != config.Hash
            && await deltas.GetAsync(served, config).WaitAsync(token).ConfigureAwait(false) is { } delta)
        {
            return (delta, served);
        }

        return (config.Message, null);
    }

    private PublishedConfig? Target() => _services.Targets.For(_nodeId, _labels);

    private bool CanRollBack => _capabilities.Contains(LinkProtocol.Capabilities.History, StringComparer.Ordinal);

    /// <summary>
    /// The rollout whose halt sends this node back to <paramref name="config"/> by hash: the rollout goes back (or went
    /// back) to it, the node serves the rollout's candidate, keeps a history (its hello said so), and was not sent this
    /// rollout's rollback yet.
    /// </summary>
    private RolloutRecord? RollbackByHash(PublishedConfig config)
    {
        var record = _services.Targets.Rollout;
        return record is { Phase: RolloutRecordPhase.RollingBack or RolloutRecordPhase.RolledBack or RolloutRecordPhase.Aborted }
            && record.Stable?.Hash == config.Hash
            && record.Candidate.Hash != config.Hash
            && Volatile.Read(ref _nodeHash) == record.Candidate.Hash
            && _services.Rollouts.CanRollBack(_nodeId)
            && _services.Rollouts.TryClaimRollback(_nodeId, record.Id)
                ? record
                : null;
    }

    /// <summary>Sends the rollout's <c>rollback</c> through the hub and waits for the node; anything but done falls back to the stable payload.</summary>
    private async Task RollBackByHashAsync(PublishedConfig stable, RolloutRecord rollout, CancellationToken token)
    {
        DataPlaneRollbackResult result;
        try
        {
            result = await _services.Hub.RollbackAsync(_nodeId, stable.Hash, rollout.Reason ?? $"rollout {rollout.Id} went back", RolloutActors.ControlPlane(rollout.Id), token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return;
        }

        ClearInFlight(stable.Hash);
        if (result.Status is DataPlaneRollbackStatus.RolledBack or DataPlaneRollbackStatus.Unchanged)
        {
            Volatile.Write(ref _sentHash, stable.Hash);
            RolloutLog.NodeSentBack(_services.Logger, rollout.Id, _nodeId, stable.Hash, $"by hash, from its history: {result.Status}");
            return;
        }

        var why = result.Errors.Count > 0 ? string.Join("; ", result.Errors) : result.Reason ?? "no reason given";
        RolloutLog.NodeSentBack(_services.Logger, rollout.Id, _nodeId, stable.Hash, $"by the stable configuration's payload: the rollback by hash came back {result.Status} ({result.Reason}: {why})");
        Offer(stable, force: true);
    }

    private ValueTask SendControlAsync<T>(T message, CancellationToken token)
        where T : LinkMessage =>
        SendAsync(LinkFraming.EncodeControl(message), WebSocketMessageType.Text, token);

    private ValueTask SendAsync(ReadOnlyMemory<byte> bytes, WebSocketMessageType kind, CancellationToken token) =>
        _sendLock.SendAsync(
            (Socket: _socket, Bytes: bytes, Kind: kind),
            static (state, write) => state.Socket.SendAsync(state.Bytes, state.Kind, true, write.Token),
            "a message to the data plane",
            token);

    /// <summary>
    /// Writes a configuration message as fragments of at most <see cref="DataPlaneHubOptions.ConfigFragmentBytes"/>
    /// (one WebSocket message over several frames; the data plane reads to the end of the message), in one of the
    /// hub's turns (<see cref="ConfigSendSlots"/>). Both keep the socket's send buffers small and pooled: one
    /// message-sized buffer per data plane is what made a publish to 1,000 data planes allocate 130 MiB.
    /// </summary>
    private ValueTask SendConfigAsync(ReadOnlyMemory<byte> message, CancellationToken token) =>
        _sendLock.SendAsync((Session: this, Message: message, Caller: token), static (state, write) => state.Session.WriteConfigAsync(state.Message, write, state.Caller), "a configuration to the data plane", token);

    private async ValueTask WriteConfigAsync(ReadOnlyMemory<byte> message, TimedWrite write, CancellationToken token)
    {
        // Waiting for a turn is the control plane's own queue, not the data plane's slowness: the write
        // timeout starts once the turn is ours.
        using var slot = await _services.ConfigSends.EnterAsync(token).ConfigureAwait(false);
        write.Restart();

        // A data plane that is not reading (its window is full) lets the others go meanwhile.
        using var stall = new ConfigSendStallWatch(slot, Time, DataPlaneHubDefaults.ConfigSendStall);
        var rest = message;
        do
        {
            var fragment = rest[..Math.Min(rest.Length, Options.ConfigFragmentBytes)];
            rest = rest[fragment.Length..];
            var send = _socket.SendAsync(fragment, WebSocketMessageType.Binary, rest.IsEmpty, write.Token);
            if (send.IsCompleted || !slot.IsHeld)
            {
                await send.ConfigureAwait(false);
                continue;
            }

            stall.Pending();
            await send.ConfigureAwait(false);
            stall.Done();
        }
        while (!rest.IsEmpty);
    }

    private sealed record Offered(PublishedConfig Config, bool Force);
}
