using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Resilience.Tests.FallbackStore;

/// <summary>
/// Several exporters on one in-memory store and one fake clock; the clock only moves when the test moves it.
/// Each node sees the store through its own <see cref="StallingFallbackStore"/> (to stall its calls) and the
/// clock through its own <see cref="FreezableTimeProvider"/> (to freeze it as SIGSTOP would).
/// </summary>
internal sealed class ExporterHarness : IAsyncDisposable
{
    public const string Version = "3.6.0";
    private readonly Dictionary<string, ExporterHarnessNode> _nodes = new(StringComparer.Ordinal);

    public ExporterHarness(TimeSpan interval, TimeSpan grace, TimeSpan exportDelay, bool conditional = false)
    {
        Time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        Store = conditional ? new ConditionalInMemoryFallbackStore(Time) : new InMemoryFallbackStore(Time);
        Options = new FallbackStoreOptions { Storage = "memory://test", Export = true, ElectionInterval = interval, ElectionGrace = grace, ExportDelay = exportDelay };
    }

    public FakeTimeProvider Time { get; }

    /// <summary>The meter every exporter of this harness records on.</summary>
    public string MeterName { get; } = "Resilience.Tests." + Guid.NewGuid().ToString("N");

    public InMemoryFallbackStore Store { get; }

    public FallbackStoreOptions Options { get; }

    public static string ConfigKey => FallbackStoreKeys.Config(Version);

    public FallbackConfigExporter this[string nodeId] => _nodes[nodeId].Exporter;

    public IEnumerable<string> NodeIds => _nodes.Keys;

    /// <summary>The node's own view of the store (stall its calls here).</summary>
    public StallingFallbackStore StoreOf(string nodeId) => _nodes[nodeId].Store;

    /// <summary>Uploads of the config key per change (config hash).</summary>
    public IReadOnlyDictionary<string, int> UploadsPerChange => Store.UploadsPerHash(ConfigKey);

    public static (byte[] Payload, string Hash) Config(string marker)
    {
        var payload = Encoding.UTF8.GetBytes($"{{\"routes\":[\"{marker}\"]}}");
        return (payload, ConfigHash.Compute(payload));
    }

    public FallbackConfigExporter Start(string nodeId, ILogger? logger = null)
    {
        StallingFallbackStore store = Store is IConditionalFallbackStore conditional ? new ConditionalStallingFallbackStore(conditional) : new StallingFallbackStore(Store);
        var clock = new FreezableTimeProvider(Time);
        var exporter = new FallbackConfigExporter(
            store,
            new FallbackConfigExporterOptions
            {
                NodeId = nodeId,
                Hostname = "host-" + nodeId,
                NodeVersion = Version,
                ElectionInterval = Options.ElectionInterval,
                ElectionGrace = Options.ElectionGrace,
                ExportDelay = Options.ExportDelay,
                MaxConfigBytes = 1024 * 1024,
                MeterName = MeterName,
            },
            clock,
            logger ?? NullLogger.Instance);
        var stop = new CancellationTokenSource();
        var run = Task.Run(() => exporter.RunAsync(stop.Token));
        _nodes[nodeId] = new ExporterHarnessNode(exporter, stop, run, store, clock);
        return exporter;
    }

    public void OfferAll(string marker) => Offer(marker, _nodes.Keys.ToArray());

    /// <summary>Offers a config to some nodes (a frozen node does not receive pushes).</summary>
    public void Offer(string marker, params string[] nodeIds)
    {
        var (payload, _) = Config(marker);
        foreach (var id in nodeIds)
        {
            // The loop has seen the offer once it waits on a timer it created after the offer.
            var node = _nodes[id];
            node.OfferedAt = node.Clock.TimersCreated;
            node.Exporter.Offer(payload);
        }
    }

    /// <summary>Freezes a node as SIGSTOP would: its loop does not run while the clock moves on.</summary>
    public void Freeze(string nodeId) => _nodes[nodeId].Clock.Freeze();

    /// <summary>Resumes a frozen node (SIGCONT): the timers that came due fire now.</summary>
    public void Thaw(string nodeId) => _nodes[nodeId].Clock.Thaw();

    /// <summary>The nodes that lead right now.</summary>
    public IReadOnlyList<string> Leaders => _nodes.Where(n => n.Value.Exporter.IsLeader).Select(n => n.Key).ToList();

    /// <summary>Stops a node as a crash would: the loop ends, the registration stays until it goes stale.</summary>
    public async Task CrashAsync(string nodeId)
    {
        var (_, stop, run, store, clock) = _nodes[nodeId];
        _nodes.Remove(nodeId);
        clock.Thaw();
        store.Release();
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
        stop.Dispose();
    }

    /// <summary>Stops a node as a graceful stop does: the loop ends, then the registration is withdrawn.</summary>
    public async Task StopAsync(string nodeId)
    {
        var exporter = _nodes[nodeId].Exporter;
        await CrashAsync(nodeId);
        await exporter.ResignAsync(CancellationToken.None);
    }

    /// <summary>
    /// Waits (real time, bounded) until every running loop is idle until a time after the fake clock's now;
    /// a frozen node, or one blocked in a stalled store call, counts as settled.
    /// </summary>
    public Task SettleAsync() =>
        Eventually.HoldsAsync(
            async () =>
            {
                foreach (var node in _nodes.Values.Where(n => n.Run.IsFaulted))
                {
                    await node.Run;
                }

                return _nodes.Values.All(n => n.Clock.IsFrozen || n.Store.IsStalled || n.Clock.IsIdle(Time.GetUtcNow(), n.OfferedAt));
            },
            "exporter loops settle",
            within: TimeSpan.FromSeconds(10),
            every: TimeSpan.FromMilliseconds(1));

    /// <summary>Moves the clock in steps, settling after each, until a condition holds; returns the fake time that took.</summary>
    public async Task<TimeSpan> AdvanceUntilAsync(Func<bool> condition, TimeSpan step, TimeSpan max)
    {
        await SettleAsync();
        var start = Time.GetUtcNow();
        while (!condition())
        {
            Assert.True(Time.GetUtcNow() - start <= max, $"condition not met within {max} of fake time");
            Time.Advance(step);
            await SettleAsync();
        }

        return Time.GetUtcNow() - start;
    }

    public async Task AdvanceAsync(TimeSpan by, TimeSpan step)
    {
        await SettleAsync();
        var end = Time.GetUtcNow() + by;
        while (Time.GetUtcNow() < end)
        {
            Time.Advance(step);
            await SettleAsync();
        }
    }

    /// <summary>Moves the clock in steps like <see cref="AdvanceAsync"/>, checking an invariant after every step.</summary>
    public async Task AdvanceCheckingAsync(TimeSpan by, TimeSpan step, Action check)
    {
        await SettleAsync();
        var end = Time.GetUtcNow() + by;
        while (Time.GetUtcNow() < end)
        {
            Time.Advance(step);
            await SettleAsync();
            check();
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var nodeId in _nodes.Keys.ToList())
        {
            await CrashAsync(nodeId);
        }
    }
}

internal sealed record ExporterHarnessNode(FallbackConfigExporter Exporter, CancellationTokenSource Stop, Task Run, StallingFallbackStore Store, FreezableTimeProvider Clock)
{
    /// <summary>How many timers the node had created when it was last offered a config.</summary>
    public long OfferedAt { get; set; }
}
