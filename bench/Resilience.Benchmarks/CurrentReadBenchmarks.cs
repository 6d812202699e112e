using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Resilience;

namespace Resilience.Benchmarks;

/// <summary>
/// Reading the served configuration on the request path. Target: <see cref="IDataPlane.Current"/>
/// at least 10x faster than <c>IOptionsMonitor&lt;T&gt;.CurrentValue</c>, within 1.5x of a plain
/// volatile field read, 0 bytes allocated.
/// </summary>
[MemoryDiagnoser]
public class CurrentReadBenchmarks
{
    private const int ReadsPerInvoke = 1000;
    private ConfigSnapshot? _field;
    private IDataPlane _dataPlane = null!;
    private IOptionsMonitor<GatewayRoutes> _monitor = null!;
    private ServiceProvider _services = null!;

    [GlobalSetup]
    public void Setup()
    {
        var payload = "{\"routes\":[]}"u8.ToArray();
        _field = new ConfigSnapshot(payload, ConfigHash.Compute(payload), ConfigOrigin.ControlPlane, DateTimeOffset.UtcNow);

        var plane = new DataPlane(
            new ConfigPreparer(1 << 20, 1 << 20, new DeclarativeConfigOptions()),
            new JsonOnlyConfigValidator(),
            cache: null,
            new NodeIdentityProvider(Options.Create(new DataPlaneResilienceOptions { NodeId = "bench", NodeVersion = "1" })),
            TimeProvider.System,
            NullLogger<DataPlane>.Instance,
            meterFactory: null);
        plane.ApplyAsync(new ConfigDocument(payload, ConfigFormat.Json, ConfigOrigin.ControlPlane), default).AsTask().GetAwaiter().GetResult();
        _dataPlane = plane;

        _services = new ServiceCollection().AddOptions().Configure<GatewayRoutes>(r => r.Count = 1).BuildServiceProvider();
        _monitor = _services.GetRequiredService<IOptionsMonitor<GatewayRoutes>>();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _services.Dispose();
        (_dataPlane as IDisposable)?.Dispose();
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = ReadsPerInvoke)]
    public object? VolatileField()
    {
        object? last = null;
        for (var i = 0; i < ReadsPerInvoke; i++)
        {
            last = Volatile.Read(ref _field);
        }

        return last;
    }

    [Benchmark(OperationsPerInvoke = ReadsPerInvoke)]
    public object? DataPlaneCurrent()
    {
        object? last = null;
        var plane = _dataPlane;
        for (var i = 0; i < ReadsPerInvoke; i++)
        {
            last = plane.Current;
        }

        return last;
    }

    [Benchmark(OperationsPerInvoke = ReadsPerInvoke)]
    public object? OptionsMonitorCurrentValue()
    {
        object? last = null;
        var monitor = _monitor;
        for (var i = 0; i < ReadsPerInvoke; i++)
        {
            last = monitor.CurrentValue;
        }

        return last;
    }

    /// <summary>A stand-in for a gateway's options type.</summary>
    public sealed class GatewayRoutes
    {
        public int Count { get; set; }
    }
}
