using System.Text.Json;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Engines;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Microsoft.Extensions.DependencyInjection;
using Resilience.Yarp;

namespace Resilience.Benchmarks.Yarp;

/// <summary>
/// Receiving a 20,000-route YARP configuration (gzip, as the link and the caches carry it) up to the swap, against
/// gunzip + <see cref="JsonDocument.Parse(ReadOnlyMemory{byte}, JsonDocumentOptions)"/> of the same bytes.
/// Target: receive -> swap within 5x the baseline (one parse, one validation, no second deserialization).
/// The parse and YARP-validator lines are the two steps of our validator alone. YARP's own rebuild after the swap
/// is not in these lines (no YARP host consumes the swap here); <see cref="YarpApplyProfile"/> measures it.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(YarpApplyJob))]
public class YarpApplyBenchmarks
{
    private byte[] _gzip = null!;
    private byte[] _json = null!;
    private byte[][] _variants = null!;
    private ReverseProxyConfig _model = null!;
    private ServiceProvider _services = null!;
    private ServiceProvider _pipelineServices = null!;
    private global::Yarp.ReverseProxy.Configuration.IConfigValidator _yarpValidator = null!;
    private IDataPlane _dataPlane = null!;
    private byte[][] _edits = null!;
    private IDataPlane _editingDataPlane = null!;
    private ServiceProvider _editingServices = null!;
    private global::Yarp.ReverseProxy.Configuration.IProxyConfigProvider _editingProvider = null!;
    private int _turn;

    [GlobalSetup]
    public void Setup()
    {
        const string upstream = "http://127.0.0.1:5100/";
        _json = RouteTable.Json(RouteTable.Routes, upstream);
        _gzip = RouteTable.Gzip(_json);
        _variants = [RouteTable.Gzip(RouteTable.Json(RouteTable.Routes, upstream, "x")), RouteTable.Gzip(RouteTable.Json(RouteTable.Routes, upstream, "y"))];
        ReverseProxyConfigParser.TryParse(_json, out _model, out _);
        _services = new ServiceCollection().AddLogging().AddRouting().AddReverseProxy().LoadFromDataPlane().Services.BuildServiceProvider();
        _yarpValidator = _services.GetRequiredService<global::Yarp.ReverseProxy.Configuration.IConfigValidator>();
        _dataPlane = YarpApplyProfile.NewDataPlaneWithoutCache(out _pipelineServices);

        // A typical publish: one route of 20,000 edited, the rest byte for byte what YARP routes with.
        var text = System.Text.Encoding.UTF8.GetString(RouteTable.Json(RouteTable.Routes, upstream, "e"));
        _edits = [RouteTable.Gzip(System.Text.Encoding.UTF8.GetBytes(YarpInProcessProfile.ReplaceFirst(text, "\"variant\":\"", "\"variant\":\"one-"))),
            RouteTable.Gzip(System.Text.Encoding.UTF8.GetBytes(YarpInProcessProfile.ReplaceFirst(text, "\"variant\":\"", "\"variant\":\"two-")))];
        _editingDataPlane = YarpApplyProfile.NewDataPlaneWithoutCache(out _editingServices);
        _editingProvider = _editingServices.GetServices<global::Yarp.ReverseProxy.Configuration.IProxyConfigProvider>().OfType<DataPlaneProxyConfigProvider>().Single();
        _editingDataPlane.ApplyManualAsync(_edits[1], ConfigFormat.Json, default).AsTask().GetAwaiter().GetResult();
        _editingProvider.GetConfig();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _services.Dispose();
        _pipelineServices.Dispose();
        _editingServices.Dispose();
    }

    [Benchmark(Baseline = true, Description = "gunzip + JsonDocument.Parse")]
    public int GunzipAndParse()
    {
        using var document = JsonDocument.Parse(RouteTable.Gunzip(_gzip));
        return document.RootElement.GetPropertyCount();
    }

    [Benchmark(Description = "receive -> swap (whole pipeline)")]
    public ApplyOutcome ReceiveToSwap()
    {
        var result = _dataPlane.ApplyManualAsync(_variants[_turn++ % 2], ConfigFormat.Json, default).AsTask().GetAwaiter().GetResult();
        return result.Outcome == ApplyOutcome.Applied ? result.Outcome : throw new InvalidOperationException(result.ToString());
    }

    [Benchmark(Description = "receive -> swap, one route of 20,000 edited")]
    public ApplyOutcome ReceiveToSwapOneRouteEdited()
    {
        var result = _editingDataPlane.ApplyManualAsync(_edits[_turn++ % 2], ConfigFormat.Json, default).AsTask().GetAwaiter().GetResult();

        // What YARP does on the change: take the served config from the provider (the next edit is compared with it).
        _editingProvider.GetConfig();
        return result.Outcome == ApplyOutcome.Applied ? result.Outcome : throw new InvalidOperationException(result.ToString());
    }

    [Benchmark(Description = "parse into YARP routes/clusters")]
    public int Parse() => ReverseProxyConfigParser.TryParse(_json, out var config, out _) ? config.Routes.Count : 0;

    [Benchmark(Description = "YARP route + cluster validators")]
    public int Validate()
    {
        var errors = 0;
        foreach (var cluster in _model.Clusters)
        {
            errors += _yarpValidator.ValidateClusterAsync(cluster).AsTask().GetAwaiter().GetResult().Count;
        }

        foreach (var route in _model.Routes)
        {
            errors += _yarpValidator.ValidateRouteAsync(route).AsTask().GetAwaiter().GetResult().Count;
        }

        return errors;
    }
}

/// <summary>A small in-process job: each operation takes tens to hundreds of milliseconds, the machine is shared.</summary>
internal sealed class YarpApplyJob : ManualConfig
{
    public YarpApplyJob()
    {
        AddJob(Job.Default
            .WithStrategy(RunStrategy.Monitoring)
            .WithLaunchCount(1)
            .WithWarmupCount(2)
            .WithIterationCount(10)
            .WithInvocationCount(1)
            .WithUnrollFactor(1)
            .WithToolchain(InProcessEmitToolchain.Instance));
    }
}
