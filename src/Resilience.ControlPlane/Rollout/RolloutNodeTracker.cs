using Microsoft.Extensions.Options;

namespace Resilience.ControlPlane;

/// <summary>
/// What this replica's sessions learn about their nodes, kept for the rollouts: connection, what each node serves,
/// what it said of each configuration it was sent (applied, rejected, reverted, rolled back), and the health in its
/// heartbeats, as a short window (the share before a configuration) and running totals per configuration (the share
/// while it serves it). <see cref="Reports"/> turns that into one <see cref="RolloutNodeReport"/> per node for a rollout.
/// </summary>
internal sealed class RolloutNodeTracker
{
    /// <summary>A node remembers the last few configurations it served or was sent.</summary>
    private const int TrackedConfigsPerNode = 4;

    /// <summary>Bounds the baseline window per node, whatever the heartbeat interval.</summary>
    private const int MaxSamplesPerNode = 512;

    private static readonly TimeSpan DisconnectedRetention = TimeSpan.FromHours(1);

    private readonly Dictionary<string, NodeTrack> _nodes = new(StringComparer.Ordinal);
    private readonly object _gate = new();
    private readonly TimeProvider _time;
    private readonly TimeSpan _window;
    private long _version;

    public RolloutNodeTracker(TimeProvider time, IOptions<RolloutOptions> options)
    {
        _time = time;
        _window = options.Value.BaselineWindow;
    }

    /// <summary>Raised (outside the lock) after a node reported something a gate reads.</summary>
    public event Action? Reported;

    /// <summary>Gets a counter that moves on every change (whether reports must be written again).</summary>
    public long Version => Interlocked.Read(ref _version);

    public void Connected(string nodeId, IReadOnlyDictionary<string, string> labels, bool canRollBack, string? servedHash)
    {
        var now = _time.GetUtcNow();
        Change(nodeId, track =>
        {
            track.Labels = labels;
            track.CanRollBack = canRollBack;
            track.IsConnected = true;
            track.ConnectedAt = now;
            track.LastHeartbeatAt = null;
            Serve(track, servedHash, now);
        });
    }

    public void Disconnected(string nodeId)
    {
        var now = _time.GetUtcNow();
        Change(nodeId, track =>
        {
            track.IsConnected = false;
            track.UpdatedAt = now;
        });
    }

    /// <summary>A node said what it serves (a heartbeat, an apply result).</summary>
    public void Served(string nodeId, string? hash) => Change(nodeId, track => Serve(track, hash, _time.GetUtcNow()));

    /// <summary>
    /// A heartbeat's health: requests and failed requests since the node's previous heartbeat, readiness. Those counts
    /// cover the interval since the previous heartbeat on this connection: when the node began serving its configuration
    /// (again) within that interval, or it is the connection's first, they mix two configurations and count for neither
    /// (a canary's failures under the configuration it just left must not fail the next one's gate).
    /// </summary>
    public void Heartbeat(string nodeId, string? hash, long? requests, long? failed, bool? ready)
    {
        var now = _time.GetUtcNow();
        Change(nodeId, track =>
        {
            var since = track.LastHeartbeatAt;
            track.LastHeartbeatAt = now;
            Serve(track, hash, now);
            track.Ready = ready ?? track.Ready;
            if (requests is not { } total || total < 0)
            {
                return;
            }

            var config = hash is null ? null : Find(track, hash);
            var whole = since is { } start && hash is not null && start >= track.ServingSince;
            var bad = Math.Clamp(failed ?? 0, 0, total);
            track.Samples.Enqueue(new Sample(now, hash, total, bad, whole));
            while (track.Samples.Count > MaxSamplesPerNode || (track.Samples.TryPeek(out var old) && now - old.At > _window))
            {
                track.Samples.Dequeue();
            }

            if (whole)
            {
                config!.DuringRequests += total;
                config.DuringFailed += bad;
            }
        });
    }

    /// <summary>A node refused or left a configuration: <paramref name="hash"/> is the one it is about (the one gone back from).</summary>
    public void Outcome(string nodeId, string? hash, RolloutNodeState outcome, string? reason, string? actor, string? servedHash)
    {
        var now = _time.GetUtcNow();
        Change(nodeId, track =>
        {
            if (hash is not null)
            {
                var config = Track(track, hash);
                config.Outcome = outcome;
                config.Reason = reason;
                config.Actor = actor;
                config.OutcomeAt = now;
            }

            Serve(track, servedHash, now);
        });
    }

    /// <summary>Gets the labels of a node this replica has seen, or <see langword="null"/>.</summary>
    public IReadOnlyDictionary<string, string>? LabelsOf(string nodeId)
    {
        lock (_gate)
        {
            return _nodes.TryGetValue(nodeId, out var track) ? track.Labels : null;
        }
    }

    /// <summary>
    /// Claims the one rollback by hash a rollout sends a node: <see langword="true"/> the first time for this node and
    /// rollout, <see langword="false"/> after (also on another connection of the node), so a refused or unanswered
    /// rollback falls back to the stable payload instead of being asked again.
    /// </summary>
    public bool TryClaimRollback(string nodeId, string rolloutId)
    {
        var claimed = false;
        lock (_gate)
        {
            if (!_nodes.TryGetValue(nodeId, out var track))
            {
                _nodes[nodeId] = track = new NodeTrack();
            }

            if (track.RollbackSentFor != rolloutId)
            {
                track.RollbackSentFor = rolloutId;
                claimed = true;
            }
        }

        return claimed;
    }

    /// <summary>Every node's report for a rollout's candidate.</summary>
    public Dictionary<string, RolloutNodeReport> Reports(RolloutRecord record, string? replicaId)
    {
        var candidate = record.Candidate.Hash;
        var now = _time.GetUtcNow();
        lock (_gate)
        {
            var reports = new Dictionary<string, RolloutNodeReport>(_nodes.Count, StringComparer.Ordinal);
            foreach (var (id, track) in _nodes)
            {
                if (!track.IsConnected && now - track.UpdatedAt > DisconnectedRetention)
                {
                    continue;
                }

                var config = Find(track, candidate);
                reports[id] = new RolloutNodeReport
                {
                    NodeId = id,
                    ReplicaId = replicaId,
                    IsConnected = track.IsConnected,
                    ConnectedAt = track.ConnectedAt,
                    CanRollBack = track.CanRollBack,
                    ServedHash = track.ServedHash,
                    AppliedAt = config?.AppliedAt,
                    Outcome = config?.Outcome,
                    OutcomeReason = config?.Reason,
                    OutcomeActor = config?.Actor,
                    OutcomeAt = config?.OutcomeAt,
                    BeforeRequests = config?.BeforeRequests ?? 0,
                    BeforeFailed = config?.BeforeFailed ?? 0,
                    DuringRequests = config?.DuringRequests ?? 0,
                    DuringFailed = config?.DuringFailed ?? 0,
                    Ready = track.Ready,
                    UpdatedAt = track.UpdatedAt,
                };
            }

            PruneLocked(now);
            return reports;
        }
    }

    private static ConfigTrack? Find(NodeTrack track, string hash)
    {
        foreach (var config in track.Configs)
        {
            if (config.Hash == hash)
            {
                return config;
            }
        }

        return null;
    }

    private static ConfigTrack Track(NodeTrack track, string hash)
    {
        if (Find(track, hash) is { } known)
        {
            return known;
        }

        var config = new ConfigTrack(hash);
        track.Configs.Add(config);
        if (track.Configs.Count > TrackedConfigsPerNode)
        {
            track.Configs.RemoveAt(0);
        }

        return config;
    }

    /// <summary>The first time a node serves a configuration: its share before is what its window holds of the others.</summary>
    private void Serve(NodeTrack track, string? hash, DateTimeOffset now)
    {
        track.UpdatedAt = now;
        if (hash is null)
        {
            return;
        }

        if (track.ServedHash != hash)
        {
            track.ServingSince = now;
        }

        track.ServedHash = hash;
        var config = Track(track, hash);
        if (config.AppliedAt is not null)
        {
            return;
        }

        config.AppliedAt = now;
        foreach (var sample in track.Samples)
        {
            // The share before is the node's own under what it served: not under a configuration it refused or went back from.
            if (sample.Hash != hash && sample.Whole && now - sample.At <= _window && (sample.Hash is null || Find(track, sample.Hash) is not { Outcome: not null }))
            {
                config.BeforeRequests += sample.Requests;
                config.BeforeFailed += sample.Failed;
            }
        }
    }

    private void Change(string nodeId, Action<NodeTrack> change)
    {
        lock (_gate)
        {
            if (!_nodes.TryGetValue(nodeId, out var track))
            {
                _nodes[nodeId] = track = new NodeTrack();
            }

            change(track);
            Interlocked.Increment(ref _version);
        }

        Reported?.Invoke();
    }

    private void PruneLocked(DateTimeOffset now)
    {
        List<string>? gone = null;
        foreach (var (id, track) in _nodes)
        {
            if (!track.IsConnected && now - track.UpdatedAt > DisconnectedRetention)
            {
                (gone ??= []).Add(id);
            }
        }

        gone?.ForEach(id => _nodes.Remove(id));
    }

    /// <summary>One heartbeat's counts; <c>Whole</c>: its interval lay entirely within one configuration.</summary>
    private readonly record struct Sample(DateTimeOffset At, string? Hash, long Requests, long Failed, bool Whole);

    private sealed class NodeTrack
    {
        public IReadOnlyDictionary<string, string> Labels { get; set; } = new Dictionary<string, string>();

        public bool CanRollBack { get; set; }

        public bool IsConnected { get; set; }

        public DateTimeOffset ConnectedAt { get; set; }

        public DateTimeOffset UpdatedAt { get; set; }

        /// <summary>Gets or sets when the previous heartbeat of this connection arrived (the start of the next one's counts).</summary>
        public DateTimeOffset? LastHeartbeatAt { get; set; }

        public string? ServedHash { get; set; }

        /// <summary>Gets or sets when the node last began serving <see cref="ServedHash"/>.</summary>
        public DateTimeOffset ServingSince { get; set; }

        public bool? Ready { get; set; }

        /// <summary>Gets or sets the rollout that last sent this node a rollback by hash (<see cref="TryClaimRollback"/>).</summary>
        public string? RollbackSentFor { get; set; }

        public Queue<Sample> Samples { get; } = new();

        public List<ConfigTrack> Configs { get; } = [];
    }

    private sealed class ConfigTrack(string hash)
    {
        public string Hash { get; } = hash;

        public DateTimeOffset? AppliedAt { get; set; }

        public RolloutNodeState? Outcome { get; set; }

        public string? Reason { get; set; }

        public string? Actor { get; set; }

        public DateTimeOffset? OutcomeAt { get; set; }

        public long BeforeRequests { get; set; }

        public long BeforeFailed { get; set; }

        public long DuringRequests { get; set; }

        public long DuringFailed { get; set; }
    }
}
