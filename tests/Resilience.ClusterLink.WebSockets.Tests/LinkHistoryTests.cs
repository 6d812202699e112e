using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Primitives;
using Microsoft.Extensions.Time.Testing;
using Resilience.ClusterLink.WebSockets.Protocol;

namespace Resilience.ClusterLink.WebSockets.Tests;

/// <summary>
/// The link's side of history and health on a fake clock: the capability in hello, the health in every heartbeat (counts
/// since the previous one), the node's rollbacks reported on connect and when they happen, the control plane's rollback executed and answered.
/// </summary>
public sealed class LinkHistoryTests : IAsyncDisposable
{
    private static readonly string Good = new('a', 64);
    private static readonly string Bad = new('b', 64);
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly LoopbackConnector _connector = new();
    private readonly HistoryContext _context;
    private readonly FakeLogger _logger = new();
    private readonly CancellationTokenSource _stop = new();
    private Task? _running;

    public LinkHistoryTests()
    {
        _context = new HistoryContext(_time);
        Wait.Diagnostics.Value = () => string.Join(" | ", _logger.Collector.GetSnapshot().Select(r => $"{r.Id.Id} {r.Message}"));
    }

    [Fact]
    public async Task Hello_announces_the_history_and_each_heartbeat_carries_the_health_since_the_previous_one()
    {
        _context.Health = new DataPlaneHealthSummary(true, 10, 2, ConfigBakeStatus.Baking, Good);
        Start();
        var cp = await _connector.NextAsync();

        var hello = await cp.ReceiveAsync(LinkProtocol.Types.Hello);
        Assert.Equal(["delta", "history"], hello.GetProperty("capabilities").EnumerateArray().Select(c => c.GetString()));
        await cp.WelcomeAsync();
        await AnsweredAsync(1);

        _context.Health = new DataPlaneHealthSummary(true, 110, 7, ConfigBakeStatus.Baking, Good);
        _time.Advance(TimeSpan.FromSeconds(30));
        var first = (await cp.ReceiveAsync(LinkProtocol.Types.Heartbeat)).GetProperty("health");
        Assert.Equal((true, 100L, 5L, "baking", Good), (first.GetProperty("ready").GetBoolean(), first.GetProperty("requests").GetInt64(), first.GetProperty("failed_requests").GetInt64(), first.GetProperty("bake").GetString(), first.GetProperty("bake_hash").GetString()));
        await cp.SendAsync(new HeartbeatMessage { Type = LinkProtocol.Types.HeartbeatAck });
        await AnsweredAsync(2);

        _context.Health = new DataPlaneHealthSummary(false, 130, 7, ConfigBakeStatus.Reverted, Bad);
        _time.Advance(TimeSpan.FromSeconds(30));
        var second = (await cp.ReceiveAsync(LinkProtocol.Types.Heartbeat)).GetProperty("health");
        Assert.Equal((false, 20L, 0L, "reverted", Bad), (second.GetProperty("ready").GetBoolean(), second.GetProperty("requests").GetInt64(), second.GetProperty("failed_requests").GetInt64(), second.GetProperty("bake").GetString(), second.GetProperty("bake_hash").GetString()));
    }

    [Fact]
    public async Task A_standing_rollback_is_reported_on_every_connection_and_a_new_one_when_it_happens()
    {
        _context.Rollback = new ConfigRollbackState { Kind = ConfigRollbackKind.RolledBack, FromHash = Bad, ToHash = Good, Reason = "paged", Actor = "admin:oncall", At = _time.GetUtcNow() };
        Start();
        var cp = await _connector.NextAsync();
        await cp.ReceiveAsync(LinkProtocol.Types.Hello);
        await cp.WelcomeAsync();

        var report = await cp.ReceiveAsync(LinkProtocol.Types.ApplyResult);
        Assert.Equal(("rolled_back", Bad, Good, "paged", "admin:oncall"), (report.GetProperty("outcome").GetString(), report.GetProperty("hash").GetString(), report.GetProperty("config_hash").GetString(), report.GetProperty("reason").GetString(), report.GetProperty("actor").GetString()));

        _context.Change(new ConfigRollbackState { Kind = ConfigRollbackKind.Reverted, FromHash = Good, ToHash = Bad, Reason = "502s", Actor = "self-revert", At = _time.GetUtcNow() });
        var revert = await cp.ReceiveAsync(LinkProtocol.Types.ApplyResult);
        Assert.Equal(("reverted", Good, Bad, "self-revert"), (revert.GetProperty("outcome").GetString(), revert.GetProperty("hash").GetString(), revert.GetProperty("config_hash").GetString(), revert.GetProperty("actor").GetString()));
    }

    [Fact]
    public async Task The_control_planes_rollback_is_executed_through_the_node_and_answered()
    {
        _context.Current = new ConfigSnapshot("{}"u8.ToArray(), Bad, ConfigOrigin.ControlPlane, _time.GetUtcNow());
        Start();
        var cp = await _connector.NextAsync();
        await cp.ReceiveAsync(LinkProtocol.Types.Hello);
        await cp.WelcomeAsync();

        await cp.SendAsync(new RollbackMessage { Type = LinkProtocol.Types.Rollback, Hash = Good, Reason = "wave 1", Actor = "control-plane:r1" });
        var done = await cp.ReceiveAsync(LinkProtocol.Types.ApplyResult);
        Assert.Equal(("rolled_back", Bad, Good, "control-plane:r1"), (done.GetProperty("outcome").GetString(), done.GetProperty("hash").GetString(), done.GetProperty("config_hash").GetString(), done.GetProperty("actor").GetString()));
        Assert.Equal([(Good, "wave 1", "control-plane:r1")], _context.Requests);

        await cp.SendAsync(new RollbackMessage { Type = LinkProtocol.Types.Rollback, Hash = "unknown" });
        var refused = await cp.ReceiveAsync(LinkProtocol.Types.ApplyResult);
        Assert.Equal(("rejected", "unknown", "NotInHistory", Good, "control-plane"), (refused.GetProperty("outcome").GetString(), refused.GetProperty("hash").GetString(), refused.GetProperty("reason").GetString(), refused.GetProperty("config_hash").GetString(), refused.GetProperty("actor").GetString()));

        // Nothing else goes out for that rollback: the report loop saw the same standing rollback the answer carried.
        _time.Advance(TimeSpan.FromSeconds(30));
        var (next, _) = await cp.ReceiveAsync();
        Assert.Equal(LinkProtocol.Types.Heartbeat, next);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        if (_running is not null)
        {
            await _running.WaitAsync(TimeSpan.FromSeconds(10));
        }

        _stop.Dispose();
    }

    private Task AnsweredAsync(int count) =>
        Wait.UntilAsync(() => _logger.Collector.GetSnapshot().Count(r => r.Id.Id == 5013) >= count, $"{count} answers taken in");

    private void Start()
    {
        // The write timeout is longer than the steps the clock takes: a step of exactly the timeout while a send finishes
        // would abort the socket (the fake clock fires the send's timeout at once).
        var options = new ClusterLinkOptions { Endpoint = new Uri("wss://cp.test/v1/outlet"), WriteTimeout = TimeSpan.FromMinutes(5) };
        var link = new WebSocketClusterLink(options, _connector, new FixedJitter(0.5), _time, _logger, new ClusterLinkMetrics(null));
        _running = Task.Run(() => link.RunAsync(_context, _stop.Token));
    }

    /// <summary>A node with a history: rollbacks go back to what was asked, or are refused when it is not a known hash.</summary>
    private sealed class HistoryContext(TimeProvider time) : IClusterLinkContext
    {
        private CancellationTokenSource _changed = new();

        public NodeIdentity Node { get; } = new("node-1", "host-1", "1.0.0", new Dictionary<string, string>());

        public ConfigSnapshot? Current { get; set; }

        public bool KeepsHistory => true;

        public ConfigRollbackState? Rollback { get; set; }

        public DataPlaneHealthSummary Health { get; set; } = new(true, 0, 0, ConfigBakeStatus.None, null);

        public List<(string Hash, string? Reason, string? Actor)> Requests { get; } = [];

        public ValueTask<ApplyResult> ApplyAsync(ConfigDocument document, CancellationToken cancellationToken) =>
            ValueTask.FromResult(ApplyResult.Rejected(document.Origin, null, RejectionReason.ValidatorRejected, ["not in this test"], time.GetUtcNow()));

        public void ReportState(ClusterLinkState state)
        {
        }

        public ValueTask<ApplyResult> RollbackAsync(string hash, string? reason, string? actor, CancellationToken cancellationToken)
        {
            lock (Requests)
            {
                Requests.Add((hash, reason, actor));
            }

            if (hash != Good)
            {
                return ValueTask.FromResult(ApplyResult.Rejected(ConfigOrigin.Rollback, hash, RejectionReason.NotInHistory, ["not in history"], time.GetUtcNow()));
            }

            var from = Current!.Hash;
            Current = new ConfigSnapshot("{}"u8.ToArray(), hash, ConfigOrigin.Rollback, time.GetUtcNow());
            Change(new ConfigRollbackState { Kind = ConfigRollbackKind.RolledBack, FromHash = from, ToHash = hash, Reason = reason, Actor = actor, At = time.GetUtcNow() });
            return ValueTask.FromResult(new ApplyResult(ApplyOutcome.Applied, ConfigOrigin.Rollback, hash, RejectionReason.None, [], time.GetUtcNow()));
        }

        public IChangeToken GetStateChangeToken() => new CancellationChangeToken(Volatile.Read(ref _changed).Token);

        public void Change(ConfigRollbackState rollback)
        {
            Rollback = rollback;
            Interlocked.Exchange(ref _changed, new CancellationTokenSource()).Cancel();
        }
    }
}
