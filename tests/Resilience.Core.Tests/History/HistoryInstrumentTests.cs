using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using static Resilience.Tests.History.HistoryPlanes;

namespace Resilience.Tests.History;

/// <summary>The history's and the rollbacks' instruments on the <c>Resilience.DataPlane</c> meter, and the rollback span.</summary>
public sealed class HistoryInstrumentTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly ServiceProvider _metrics = new ServiceCollection().AddMetrics().BuildServiceProvider();

    [Fact]
    public async Task Rollbacks_history_entries_and_the_bake_state_are_recorded()
    {
        var factory = _metrics.GetRequiredService<IMeterFactory>();
        using var rollbacks = new MetricCollector<long>(factory, DataPlaneTelemetry.MeterName, "resilience.config.rollbacks");
        using var entries = new MetricCollector<int>(factory, DataPlaneTelemetry.MeterName, "resilience.history.entries");
        using var bake = new MetricCollector<int>(factory, DataPlaneTelemetry.MeterName, "resilience.config.bake");
        using var plane = Create(FileCache(_dir), factory);
        using var spans = new System.Diagnostics.ActivityListener
        {
            ShouldListenTo = s => s.Name == DataPlaneTelemetry.ActivitySourceName,
            Sample = (ref System.Diagnostics.ActivityCreationOptions<System.Diagnostics.ActivityContext> _) => System.Diagnostics.ActivitySamplingResult.AllDataAndRecorded,
        };
        var rollbackSpans = new List<System.Diagnostics.Activity>();
        spans.ActivityStopped = a =>
        {
            // Spans are process-wide: only this test's actor counts (other tests roll back in parallel).
            if ((a.GetTagItem("resilience.rollback.actor") as string) == "admin:carol")
            {
                lock (rollbackSpans)
                {
                    rollbackSpans.Add(a);
                }
            }
        };
        System.Diagnostics.ActivitySource.AddActivityListener(spans);

        await plane.ApplyAsync(Push("a"), default);
        await plane.ApplyAsync(Push("b"), default);
        await plane.RollbackAsync(Hash("a"), "test", "admin:carol", default);
        plane.ReportBake(new ConfigBakeState { Status = ConfigBakeStatus.Baking, Hash = Hash("a") });
        entries.RecordObservableInstruments();
        bake.RecordObservableInstruments();

        var rollback = Assert.Single(rollbacks.GetMeasurementSnapshot());
        Assert.Equal((1L, "rolled_back"), (rollback.Value, (string?)rollback.Tags["kind"]));
        Assert.Equal(3, entries.LastMeasurement!.Value);
        Assert.Equal((int)ConfigBakeStatus.Baking, bake.LastMeasurement!.Value);
        var span = Assert.Single(rollbackSpans);
        Assert.Equal(("Rollback", Hash("b"), "admin:carol"), (span.GetTagItem("resilience.config.origin"), span.GetTagItem("resilience.rollback.from"), span.GetTagItem("resilience.rollback.actor")));
    }

    [Fact]
    public async Task A_history_store_that_fails_is_counted_and_the_configuration_is_served()
    {
        var factory = _metrics.GetRequiredService<IMeterFactory>();
        using var failures = new MetricCollector<long>(factory, DataPlaneTelemetry.MeterName, "resilience.history.write_failures");
        using var plane = Create(new FailingHistoryCache(), factory);

        var result = await plane.ApplyAsync(Push("a"), default);

        Assert.Equal(ApplyOutcome.Applied, result.Outcome);
        Assert.Equal("a", Configs.NameOf(plane.Current));
        Assert.Equal(1, Assert.Single(failures.GetMeasurementSnapshot()).Value);
    }

    public void Dispose()
    {
        _metrics.Dispose();
        _dir.Dispose();
    }

    private static DataPlane Create(IConfigCache cache, IMeterFactory factory) => new(
        new ConfigPreparer(1 << 20, 1 << 20, new DeclarativeConfigOptions()),
        new JsonOnlyConfigValidator(),
        cache,
        new NodeIdentityProvider(Options.Create(new DataPlaneResilienceOptions { NodeId = "instruments", NodeVersion = "1.0.0" })),
        TimeProvider.System,
        NullLogger<DataPlane>.Instance,
        factory,
        historyDepth: 5);

    /// <summary>A cache whose history writes fail: the disk is full, say.</summary>
    private sealed class FailingHistoryCache : IConfigCache, IConfigHistoryStore
    {
        public string Description => "failing";

        public ValueTask<ConfigDocument?> LoadAsync(CancellationToken cancellationToken) => ValueTask.FromResult<ConfigDocument?>(null);

        public ValueTask SaveAsync(ConfigSnapshot snapshot, CancellationToken cancellationToken) => ValueTask.CompletedTask;

        public ValueTask ClearAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;

        public ValueTask<ReadOnlyMemory<byte>?> ReadHistoryIndexAsync(CancellationToken cancellationToken) => ValueTask.FromResult<ReadOnlyMemory<byte>?>(null);

        public ValueTask<ConfigDocument?> LoadHistoryEntryAsync(string hash, CancellationToken cancellationToken) => ValueTask.FromResult<ConfigDocument?>(null);

        public ValueTask WriteHistoryAsync(ReadOnlyMemory<byte> index, ConfigSnapshot? added, IReadOnlyCollection<string> keep, CancellationToken cancellationToken) =>
            throw new IOException("No space left on device");

        public async ValueTask SaveWithHistoryAsync(ConfigSnapshot served, ReadOnlyMemory<byte> index, IReadOnlyCollection<string> keep, CancellationToken cancellationToken)
        {
            await SaveAsync(served, cancellationToken);
            await WriteHistoryAsync(index, served, keep, cancellationToken);
        }
    }
}
