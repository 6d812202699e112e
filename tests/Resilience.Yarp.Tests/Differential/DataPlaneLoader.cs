using Microsoft.Extensions.DependencyInjection;

namespace Resilience.Yarp.Tests;

/// <summary>
/// The side under test: a data plane with <c>LoadFromDataPlane()</c>, as a gateway registers it. Each document goes
/// through the whole apply pipeline (size limits, JSON check, hash, every validator, swap, cache write) as a manual
/// apply; what it serves is the model on the snapshot.
/// </summary>
internal sealed class DataPlaneLoader : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly ServiceProvider _services;
    private readonly IDataPlane _dataPlane;

    public DataPlaneLoader(Action<IReverseProxyBuilder>? configure = null)
    {
        var services = new ServiceCollection().AddLogging().AddRouting().AddTestPolicies();
        services.AddDataPlaneResilience(o => o.DataDirectory = _dir.File("data"));
        var proxy = services.AddReverseProxy().LoadFromDataPlane();
        configure?.Invoke(proxy);
        _services = services.BuildServiceProvider();
        _dataPlane = _services.GetRequiredService<IDataPlane>();
    }

    /// <summary>
    /// Reads a document: the routes and clusters come from the parser alone (so they are compared even when a
    /// validator refuses them), the errors from the whole pipeline; when the pipeline serves the document, the routes
    /// and clusters are the served model's.
    /// </summary>
    public LoadOutcome Load(byte[] json)
    {
        var result = _dataPlane.ApplyManualAsync(json, ConfigFormat.Json, default).AsTask().GetAwaiter().GetResult();
        if (result.Outcome is ApplyOutcome.Applied or ApplyOutcome.Unchanged)
        {
            var model = _dataPlane.Current!.GetModel<ReverseProxyConfig>();
            return new LoadOutcome(model.Routes, model.Clusters, null, []);
        }

        var errors = result.Errors.Count == 0 ? [result.ToString()] : result.Errors;
        return ReverseProxyConfigParser.TryParse(json, out var parsed, out var parseError)
            ? new LoadOutcome(parsed.Routes, parsed.Clusters, null, errors)
            : new LoadOutcome(null, null, parseError, errors);
    }

    public void Dispose()
    {
        _services.Dispose();
        _dir.Dispose();
    }
}
