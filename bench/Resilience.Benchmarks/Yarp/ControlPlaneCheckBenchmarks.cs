using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Resilience.Yarp;

namespace Resilience.Benchmarks.Yarp;

/// <summary>
/// The control plane's check of a one-route edit of 20,000 routes before it publishes it
/// (<see cref="ReverseProxyConfigValidation.Create"/>, which keeps the last valid configuration as the baseline of the
/// next check) against the same check without a baseline (every route parsed and put through YARP's validators: what
/// the control plane did before). Each invocation checks the next of two edits, so the baseline is always the other.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(YarpApplyJob))]
public class ControlPlaneCheckBenchmarks
{
    private ServiceProvider _services = null!;
    private IDataPlaneConfigValidator _withBaseline = null!;
    private IDataPlaneConfigValidator _withoutBaseline = null!;
    private byte[][] _edits = null!;
    private int _turn;

    [GlobalSetup]
    public void Setup()
    {
        var text = System.Text.Encoding.UTF8.GetString(RouteTable.Json(RouteTable.Routes, "http://127.0.0.1:5100/", "e"));
        _edits = [System.Text.Encoding.UTF8.GetBytes(YarpInProcessProfile.ReplaceFirst(text, "\"variant\":\"", "\"variant\":\"one-")),
            System.Text.Encoding.UTF8.GetBytes(YarpInProcessProfile.ReplaceFirst(text, "\"variant\":\"", "\"variant\":\"two-"))];
        _services = new ServiceCollection().AddLogging().AddRouting().AddReverseProxy().Services.BuildServiceProvider();
        _withBaseline = ReverseProxyConfigValidation.Create(_services);
        _withoutBaseline = new ReverseProxyConfigValidator(
            _services.GetRequiredService<global::Yarp.ReverseProxy.Configuration.IConfigValidator>(),
            [],
            new ProxyConfigReuse(),
            NullLogger<ReverseProxyConfigValidator>.Instance);
        Check(_withBaseline, _edits[1]);
    }

    [GlobalCleanup]
    public void Cleanup() => _services.Dispose();

    [Benchmark(Baseline = true, Description = "one-route edit, no baseline (every route)")]
    public bool WithoutBaseline() => Check(_withoutBaseline, _edits[_turn++ % 2]);

    [Benchmark(Description = "one-route edit, last valid configuration as baseline")]
    public bool WithBaseline() => Check(_withBaseline, _edits[_turn++ % 2]);

    private static bool Check(IDataPlaneConfigValidator validator, byte[] json)
    {
        var result = validator.ValidateAsync(json, default).AsTask().GetAwaiter().GetResult();
        return result.IsValid ? true : throw new InvalidOperationException(string.Join("; ", result.Errors));
    }
}
