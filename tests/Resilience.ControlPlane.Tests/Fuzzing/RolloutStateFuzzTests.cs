using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Resilience.Tests;
using Xunit.Abstractions;

namespace Resilience.ControlPlane.Tests;

/// <summary>
/// A rollout's state as replicas read it from their backplane (the rollout document and every replica's node reports):
/// mutated bytes are either refused by the store (logged, ignored) or make a record every reader copes with: the
/// sessions asking who gets what, the status, the engine's steps. An exception there would end node sessions or the
/// status page, so every escaped exception is a finding.
/// </summary>
public sealed class RolloutStateFuzzTests : IDisposable
{
    private static readonly Dictionary<string, string> Canary = new() { ["ring"] = "canary" };
    private static readonly string[] Nodes = ["canary", "other", "third", "late"];
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2025, 1, 1, 12, 0, 0, TimeSpan.Zero));
    private readonly ServiceProvider _services;
    private readonly ITestOutputHelper _output;

    public RolloutStateFuzzTests(ITestOutputHelper output)
    {
        _output = output;
        _services = new ServiceCollection().AddLogging().AddMetrics().AddSingleton<TimeProvider>(_time).AddDataPlaneHub(Pki.Hub).BuildServiceProvider();
    }

    public void Dispose() => _services.Dispose();

    [Fact]
    public async Task Mutated_rollout_documents_are_refused_or_read_safely_by_every_reader()
    {
        var (record, reports, candidate) = await RealRolloutAsync();
        var running = Serialize(record);
        var halted = Serialize(RolloutEngine.Halt(record, RolloutPhase.RolledBack, "gate", null, _time.GetUtcNow()).Record);
        var mutator = new Mutator(running, halted);
        var (iterations, failures) = await Mutator.RunAsync(mutator, 3000, async (input, _) =>
        {
            var read = await Store(input, []).GetAsync(default);
            if (read is not null)
            {
                ReadEverywhere(read, reports, candidate);
            }
        });

        Report("rollout document", iterations, failures);
    }

    [Fact]
    public async Task Mutated_node_reports_are_refused_or_read_safely_by_every_reader()
    {
        var (record, reports, candidate) = await RealRolloutAsync();
        var mutator = new Mutator(JsonSerializer.SerializeToUtf8Bytes(reports.Values.ToArray(), RolloutJsonContext.Default.RolloutNodeReportArray));
        var (iterations, failures) = await Mutator.RunAsync(mutator, 3000, async (input, _) =>
        {
            var read = await Store(Serialize(record), [input]).GetReportsAsync(record.Id, default);
            ReadEverywhere(record, read.GroupBy(r => r.NodeId).ToDictionary(g => g.Key, g => g.Last()), candidate);
        });

        Report("node reports", iterations, failures);
    }

    [Theory]
    [InlineData("candidate", "null")]
    [InlineData("candidate", "{\"sequence\":2}")]
    [InlineData("assignments", "null")]
    [InlineData("assignments", "{\"canary\":7}")]
    [InlineData("assignments", "{\"canary\":-2}")]
    [InlineData("waves", "[null]")]
    [InlineData("waves", "[]")]
    [InlineData("wave_states", "[{}]")]
    [InlineData("current_wave", "4")]
    [InlineData("count_members", "{\"9\":[\"canary\"]}")]
    [InlineData("count_members", "{\"2\":null}")]
    [InlineData("phase", "\"RollingBack\"")]
    [InlineData("waves", "[{\"name\":\"canary\",\"node_bake\":{\"evaluation_interval\":\"00:00:00.001\"}},{\"name\":\"b\"},{\"name\":\"c\"},{\"name\":\"d\"}]")]
    public async Task A_document_that_parses_but_does_not_hang_together_is_refused_not_read(string member, string value)
    {
        var (record, reports, candidate) = await RealRolloutAsync();
        Assert.NotNull(await Store(Serialize(record), []).GetAsync(default));

        // A fuzz finding (a rollback without its start stopped the driver's every round) and its neighbours: each would
        // throw in a session's "who gets what" or in the engine.
        var document = JsonNode.Parse(Serialize(record))!.AsObject();
        document[member] = JsonNode.Parse(value);
        var read = await Store(Encoding.UTF8.GetBytes(document.ToJsonString()), []).GetAsync(default);

        Assert.Null(read);
        ReadEverywhere(record, reports, candidate);
    }

    /// <summary>What the driver, the sessions and the status read from a record and the reports.</summary>
    private void ReadEverywhere(RolloutRecord record, IReadOnlyDictionary<string, RolloutNodeReport> reports, PublishedConfig candidate)
    {
        var now = _time.GetUtcNow();
        var targets = new ConfigTargets();
        targets.SetLatest(PublishedConfig.Create(1, new string('1', 64), "v1", now, "{}"u8.ToArray(), [], null, null));
        targets.SetLatest(PublishedConfig.Create(candidate.Sequence, candidate.Hash, candidate.Version, now, candidate.Json, [], null, record.Id));
        targets.SetRollout(record);
        foreach (var node in Nodes.Concat(record.Assignments?.Keys ?? Enumerable.Empty<string>()))
        {
            if (targets.For(node, node == "canary" ? Canary : null) is { } target)
            {
                // What the session sends: the target's message, its header read back as a node reads it.
                var (header, _) = ClusterLink.WebSockets.Protocol.LinkFraming.DecodeBinary(new ClusterLink.WebSockets.Protocol.LinkFrame(System.Net.WebSockets.WebSocketMessageType.Binary, target.Message, target.Message.Length));
                _ = header.Bake?.ToRequest(out _);
            }
        }

        var fleet = Nodes.Select(n => new FleetNode(n, n == "canary" ? Canary : new Dictionary<string, string>())).ToList();
        _ = RolloutStatusBuilder.Build(record, reports, now, backplaneUnavailable: false);
        _ = RolloutEngine.Advance(record, reports, fleet, now);
        _ = RolloutEngine.Supersede(record, "fuzz", now);

        // An operator's action on a rollout in the wrong phase is refused with its typed error (a 409 on the fleet page).
        Operate(() => RolloutEngine.Promote(record, "fuzz", now));
        Operate(() => RolloutEngine.Halt(record, RolloutPhase.Aborted, "fuzz", "fuzz", now));
        Operate(() => RolloutEngine.RollBackCompleted(record, "fuzz", "fuzz", now));
        Operate(() => (RolloutEngine.Pause(record, "fuzz", "fuzz"), new List<RolloutEvent>()));
        Operate(() => (RolloutEngine.Resume(record, "fuzz"), new List<RolloutEvent>()));
    }

    private static void Operate(Func<(RolloutRecord, List<RolloutEvent>)> action)
    {
        try
        {
            _ = action();
        }
        catch (RolloutOperationException)
        {
        }
    }

    /// <summary>A real rollout's record and reports: four waves (labels, share, count, everyone else), the canary serving the candidate.</summary>
    private async Task<(RolloutRecord Record, Dictionary<string, RolloutNodeReport> Reports, PublishedConfig Candidate)> RealRolloutAsync()
    {
        var tracker = _services.GetRequiredService<RolloutNodeTracker>();
        var registry = _services.GetRequiredService<DataPlaneRegistry>();
        foreach (var node in Nodes.Take(3))
        {
            var labels = node == "canary" ? Canary : new Dictionary<string, string>();
            registry.Update(node, _ => new DataPlaneInfo { NodeId = node, IsConnected = true, Labels = labels });
            tracker.Connected(node, labels, canRollBack: false, servedHash: null);
        }

        var publisher = _services.GetRequiredService<IConfigPublisher>();
        var v1 = await publisher.PublishAsync(Encoding.UTF8.GetBytes("""{"v":1}"""));
        foreach (var node in Nodes.Take(3))
        {
            tracker.Served(node, v1.Hash);
        }

        var plan = new RolloutPlan(
            RolloutWave.WithLabels(Canary, TimeSpan.FromMinutes(5)),
            RolloutWave.WithShare(0.3, TimeSpan.FromMinutes(5)),
            RolloutWave.WithCount(1, TimeSpan.FromMinutes(5)),
            RolloutWave.Rest(TimeSpan.FromMinutes(5)));

        // The canary wave asks for a stricter node bake: its numbers are mutated too, and a session sends them on.
        plan.Waves[0].NodeBake = new BakeRequest { DetectionWindow = TimeSpan.FromSeconds(1), EvaluationInterval = TimeSpan.FromMilliseconds(100), MinimumRequests = 3, MaxFailedRequestRatioIncrease = 0.02 };
        var v2 = await publisher.PublishAsync(Encoding.UTF8.GetBytes("""{"v":2}"""), "v2", plan);
        tracker.Served("canary", v2.Hash);
        tracker.Heartbeat("canary", v2.Hash, requests: 40, failed: 1, ready: true);
        var record = _services.GetRequiredService<ConfigTargets>().Rollout!;
        return (record, tracker.Reports(record, "replica-1"), v2);
    }

    private static byte[] Serialize(RolloutRecord record) => JsonSerializer.SerializeToUtf8Bytes(record, RolloutJsonContext.Default.RolloutRecord);

    private static BackplaneRolloutStore Store(byte[] document, IReadOnlyList<ReadOnlyMemory<byte>> reports) =>
        new(new StoredRolloutState(document, reports), NullLogger<BackplaneRolloutStore>.Instance);

    private void Report(string what, int iterations, List<string> failures)
    {
        _output.WriteLine($"{what}: seed {Mutator.Seed}, {iterations} iterations, {failures.Count} escaped exceptions");
        foreach (var failure in failures.Take(20))
        {
            _output.WriteLine(failure);
        }

        Assert.True(failures.Count == 0, $"{what}: {failures.Count} of {iterations} inputs let an exception escape; first: {failures.FirstOrDefault()}");
    }

    /// <summary>A backplane that holds given bytes as the rollout document and the replicas' reports.</summary>
    private sealed class StoredRolloutState(byte[] document, IReadOnlyList<ReadOnlyMemory<byte>> reports) : IControlPlaneRolloutBackplane
    {
        public ValueTask<BackplaneRolloutState?> GetRolloutAsync(CancellationToken cancellationToken) =>
            ValueTask.FromResult<BackplaneRolloutState?>(new BackplaneRolloutState(1, document));

        public ValueTask<bool> TrySetRolloutAsync(BackplaneRolloutState state, long expectedVersion, CancellationToken cancellationToken) => ValueTask.FromResult(false);

        public ValueTask<bool> TryHoldRolloutLeaseAsync(string replicaId, TimeSpan duration, CancellationToken cancellationToken) => ValueTask.FromResult(true);

        public ValueTask ReportRolloutNodesAsync(string rolloutId, string replicaId, ReadOnlyMemory<byte> report, TimeSpan timeToLive, CancellationToken cancellationToken) => ValueTask.CompletedTask;

        public ValueTask<IReadOnlyList<ReadOnlyMemory<byte>>> GetRolloutNodeReportsAsync(string rolloutId, CancellationToken cancellationToken) => ValueTask.FromResult(reports);

        public ValueTask SetRolloutBaselineAsync(BackplaneConfig config, CancellationToken cancellationToken) => ValueTask.CompletedTask;

        public ValueTask<BackplaneConfig?> GetRolloutBaselineAsync(CancellationToken cancellationToken) => ValueTask.FromResult<BackplaneConfig?>(null);
    }
}
