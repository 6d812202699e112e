using System.Text;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.DependencyInjection;
using Resilience.Yarp;

namespace Resilience.Benchmarks.Yarp;

/// <summary>
/// A node applying a one-route edit of 20,000 routes, receipt to swap, as the link does it: the whole configuration
/// (gzip payload: decompress, then the chain's pipeline) against a delta (gunzip the patch, apply it to the served
/// bytes, hash check, then the same pipeline on the whole document). Each data plane runs YARP's validator with
/// route reuse and no cache tier (the cache write follows the swap). Goal: the delta at most 1.0x the whole.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(YarpApplyJob))]
public class DeltaApplyBenchmarks
{
    private readonly Edit[] _edits = new Edit[2];
    private IDataPlane _full = null!;
    private IDataPlane _delta = null!;
    private ServiceProvider _fullServices = null!;
    private ServiceProvider _deltaServices = null!;
    private global::Yarp.ReverseProxy.Configuration.IProxyConfigProvider _fullProvider = null!;
    private global::Yarp.ReverseProxy.Configuration.IProxyConfigProvider _deltaProvider = null!;
    private int _fullTurn;
    private int _deltaTurn;

    [GlobalSetup]
    public void Setup()
    {
        var text = Encoding.UTF8.GetString(RouteTable.Json(RouteTable.Routes, "http://127.0.0.1:5100/", "e"));
        var one = Encoding.UTF8.GetBytes(YarpInProcessProfile.ReplaceFirst(text, "\"variant\":\"", "\"variant\":\"one-"));
        var two = Encoding.UTF8.GetBytes(YarpInProcessProfile.ReplaceFirst(text, "\"variant\":\"", "\"variant\":\"two-"));

        // Patches as the control plane builds them (its copy of the shared patch code), each from the other edit.
        _edits[0] = new Edit(one, RouteTable.Gzip(one), RouteTable.Gzip(ConfigPatchBuilder.Create(two, one, long.MaxValue)!), ConfigHash.Compute(one));
        _edits[1] = new Edit(two, RouteTable.Gzip(two), RouteTable.Gzip(ConfigPatchBuilder.Create(one, two, long.MaxValue)!), ConfigHash.Compute(two));
        Console.WriteLine($"// whole configuration {_edits[0].Gzip.Length:N0} bytes gzip ({one.Length:N0} JSON); patch {_edits[0].PatchGzip.Length:N0} bytes gzip");

        _full = YarpApplyProfile.NewDataPlaneWithoutCache(out _fullServices);
        _fullProvider = Provider(_fullServices);
        _delta = YarpApplyProfile.NewDataPlaneWithoutCache(out _deltaServices);
        _deltaProvider = Provider(_deltaServices);
        Check(_full.ApplyManualAsync(_edits[1].Gzip, ConfigFormat.Json, default).AsTask().GetAwaiter().GetResult());
        Check(_delta.ApplyManualAsync(_edits[1].Gzip, ConfigFormat.Json, default).AsTask().GetAwaiter().GetResult());
        _fullProvider.GetConfig();
        _deltaProvider.GetConfig();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _fullServices.Dispose();
        _deltaServices.Dispose();
    }

    [Benchmark(Baseline = true, Description = "whole configuration: gunzip -> pipeline -> swap")]
    public ApplyOutcome Whole()
    {
        var edit = _edits[_fullTurn++ % 2];
        var result = _full.ApplyManualAsync(edit.Gzip, ConfigFormat.Json, default).AsTask().GetAwaiter().GetResult();
        _fullProvider.GetConfig();
        return Check(result);
    }

    [Benchmark(Description = "delta: gunzip patch -> apply to served bytes -> hash check -> pipeline -> swap")]
    public ApplyOutcome Delta()
    {
        var edit = _edits[_deltaTurn++ % 2];
        var served = _delta.Current!;
        var patch = RouteTable.Gunzip(edit.PatchGzip);
        var document = ConfigPatchApplier.Apply(served.Payload, patch, edit.Json.Length);
        if (ConfigHash.Compute(document) != edit.Hash)
        {
            throw new InvalidOperationException("the patched document does not hash to the target");
        }

        var result = _delta.ApplyManualAsync(document, ConfigFormat.Json, default).AsTask().GetAwaiter().GetResult();
        _deltaProvider.GetConfig();
        return Check(result);
    }

    [Benchmark(Description = "step: apply the patch to the served bytes")]
    public int PatchOnly()
    {
        var edit = _edits[_deltaTurn % 2];
        return ConfigPatchApplier.Apply(_delta.Current!.Payload, RouteTable.Gunzip(edit.PatchGzip), edit.Json.Length).Length;
    }

    [Benchmark(Description = "step: hash the document")]
    public string HashOnly() => ConfigHash.Compute(_edits[0].Json);

    [Benchmark(Description = "step: pipeline -> swap of the document (identity JSON)")]
    public ApplyOutcome PipelineOnly()
    {
        var edit = _edits[_deltaTurn++ % 2];
        var result = _delta.ApplyManualAsync(edit.Json, ConfigFormat.Json, default).AsTask().GetAwaiter().GetResult();
        _deltaProvider.GetConfig();
        return Check(result);
    }

    private static global::Yarp.ReverseProxy.Configuration.IProxyConfigProvider Provider(ServiceProvider services) =>
        services.GetServices<global::Yarp.ReverseProxy.Configuration.IProxyConfigProvider>().OfType<DataPlaneProxyConfigProvider>().Single();

    private static ApplyOutcome Check(ApplyResult result) => result.Outcome == ApplyOutcome.Applied ? result.Outcome : throw new InvalidOperationException(result.ToString());

    private sealed record Edit(byte[] Json, byte[] Gzip, byte[] PatchGzip, string Hash);
}
