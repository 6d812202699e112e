using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace Resilience.Tests.Health;

/// <summary><c>AddDataPlaneCheck</c> takes what the framework's own <c>AddCheck</c> takes: name, failure status, tags, timeout.</summary>
public sealed class DataPlaneCheckRegistrationTests
{
    [Fact]
    public async Task Name_failure_status_tags_and_timeout_are_those_given()
    {
        var services = new ServiceCollection().AddLogging();
        services.AddDataPlaneResilience(o => o.DataDirectory = Path.Combine(Path.GetTempPath(), "resilience-health-" + Guid.NewGuid().ToString("N")));
        services.AddHealthChecks().AddDataPlaneCheck("gateway-config", HealthStatus.Degraded, ["ready", "live"], TimeSpan.FromSeconds(3));
        using var provider = services.BuildServiceProvider();

        var registration = Assert.Single(provider.GetRequiredService<IOptions<HealthCheckServiceOptions>>().Value.Registrations);
        Assert.Equal("gateway-config", registration.Name);
        Assert.Equal(HealthStatus.Degraded, registration.FailureStatus);
        Assert.Equal(["live", "ready"], registration.Tags.Order());
        Assert.Equal(TimeSpan.FromSeconds(3), registration.Timeout);

        // Nothing is served (the chain never started): the check reports the registration's failure status.
        var report = await provider.GetRequiredService<HealthCheckService>().CheckHealthAsync();
        Assert.Equal(HealthStatus.Degraded, report.Entries["gateway-config"].Status);
    }

    [Fact]
    public void The_earlier_calls_still_compile_and_keep_their_defaults()
    {
        var services = new ServiceCollection();
        services.AddHealthChecks().AddDataPlaneCheck().AddDataPlaneCheck(tags: ["ready"], name: "second").AddDataPlaneCheck("third", ["ready"]);
        using var provider = services.BuildServiceProvider();

        var registrations = provider.GetRequiredService<IOptions<HealthCheckServiceOptions>>().Value.Registrations.ToList();
        Assert.Equal(["data-plane", "second", "third"], registrations.Select(r => r.Name));
        Assert.All(registrations, r => Assert.Equal(HealthStatus.Unhealthy, r.FailureStatus));
        Assert.All(registrations, r => Assert.Equal(Timeout.InfiniteTimeSpan, r.Timeout));
    }
}
