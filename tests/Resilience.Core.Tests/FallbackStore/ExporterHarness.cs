using System.Diagnostics;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Resilience.Tests.FallbackStore;

/// <summary>Several exporters on one in-memory store and one fake clock; the clock only moves when the test moves it.</summary>
internal sealed class ExporterHarness : IAsyncDisposable
{
    public const string Version = "3.6.0";
    private readonly Dictionary<string, (FallbackConfigExporter Exporter, CancellationTokenSource Stop, Task Run)> _nodes = new(StringComparer.Ordinal);

    public ExporterHarness(TimeSpan interval, TimeSpan grace, TimeSpan exportDelay)
    {
        Time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        Store = new InMemoryFallbackStore(Time);
        Options = new FallbackStoreOptions { Storage = "memory://test", Export = true, ElectionInterval = interval, ElectionGrace = grace, ExportDelay = exportDelay };
    }

    public FakeTimeProvider Time { get; }

    /// <summary>The meter every exporter of this harness records on.</summary>
    public string MeterName { get; } = "Resilience.Tests." + Guid.NewGuid().ToString("N");

    public InMemoryFallbackStore Store { get; }

    public FallbackStoreOptions Options { get; }

    public static string ConfigKey => FallbackStoreKeys.Config(Version);

    public FallbackConfigExporter this[string nodeId] => _nodes[nodeId].Exporter;

    public static (byte[] Payload, string Hash) Config(string marker)
    {
        var payload = Encoding.UTF8.GetBytes($"{{\"routes\":[\"{marker}\"]}}");
        return (payload, ConfigHash.Compute(payload));
    }

    public FallbackConfigExporter Start(string nodeId)
    {
        var exporter = new FallbackConfigExporter(
            Store, nodeId, "host-" + nodeId, Version, Options, 1024 * 1024, Time, NullLogger.Instance,
            new ExportMetrics(null, MeterName, null));
        var stop = new CancellationTokenSource();
        var run = Task.Run(() => exporter.RunAsync(stop.Token));
        _nodes[nodeId] = (exporter, stop, run);
        return exporter;
    }

    public void OfferAll(string marker)
    {
        var (payload, hash) = Config(marker);
        foreach (var (exporter, _, _) in _nodes.Values)
        {
            exporter.Offer(payload, hash);
        }
    }

    /// <summary>Stops a node as a crash would: the loop ends, the registration stays until it goes stale.</summary>
    public async Task CrashAsync(string nodeId)
    {
        var (_, stop, run) = _nodes[nodeId];
        _nodes.Remove(nodeId);
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
        stop.Dispose();
    }

    /// <summary>Waits (real time, bounded) until every running loop is idle until a time after the fake clock's now.</summary>
    public async Task SettleAsync()
    {
        var deadline = Stopwatch.StartNew();
        while (!_nodes.Values.All(n => n.Exporter.IdleUntil is { } t && t > Time.GetUtcNow()))
        {
            foreach (var node in _nodes.Values.Where(n => n.Run.IsFaulted))
            {
                await node.Run;
            }

            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(10), "exporter loops did not settle within 10 s");
            await Task.Delay(1);
        }
    }

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

    public async ValueTask DisposeAsync()
    {
        foreach (var nodeId in _nodes.Keys.ToList())
        {
            await CrashAsync(nodeId);
        }
    }
}
