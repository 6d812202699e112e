using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Configuration.RouteValidators;

namespace Resilience.Yarp.Tests;

/// <summary>Registered next to YARP's own route validators: YARP's validator calls it once per route it validates.</summary>
internal sealed class CountingRouteValidator : IRouteValidator
{
    private int _calls;

    public int Calls
    {
        get => Volatile.Read(ref _calls);
        set => Volatile.Write(ref _calls, value);
    }

    public ValueTask ValidateAsync(RouteConfig routeConfig, IList<Exception> errors)
    {
        Interlocked.Increment(ref _calls);
        return ValueTask.CompletedTask;
    }
}
