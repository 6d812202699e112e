using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;

namespace Resilience.ControlPlane.Tests;

/// <summary>The link's connect spans and the control-plane tier's apply span, over a real Kestrel control plane with mutual TLS.</summary>
public sealed class LinkSpanTests : IDisposable
{
    private readonly ConcurrentQueue<Activity> _stopped = new();
    private readonly ActivityListener _listener;

    public LinkSpanTests()
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == DataPlaneTelemetry.ActivitySourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = _stopped.Enqueue,
        };
        ActivitySource.AddActivityListener(_listener);
    }

    [Fact]
    public async Task A_refused_endpoint_gives_an_error_connect_span_the_next_a_successful_one_and_the_pushed_config_an_apply_span()
    {
        var closed = new Uri($"wss://localhost:{ClosedPort()}{ControlPlaneServer.Path}");
        await using var cp = await ControlPlaneServer.StartAsync(Pki.ServerCertificate, Pki.Hub);
        var served = await cp.PublishAsync($$"""{"version":1,"routes":[{"path":"/{{Guid.NewGuid():N}}"}]}""");

        await using var dp = await DataPlaneNode.StartAsync(
            o =>
            {
                Pki.Link(closed)(o);
                o.Endpoint = null;
                o.Endpoints.Add(closed);
                o.Endpoints.Add(cp.Endpoint);
            },
            nodeId: "span-dp");
        using var pushToApply = new MetricCollector<double>(dp.Services.GetRequiredService<IMeterFactory>(), DataPlaneTelemetry.MeterName, "resilience.link.push_to_apply.duration");
        await Eventually.HoldsAsync(() => dp.Current?.Hash == served.Hash, "the node serves what the control plane serves");
        await Eventually.HoldsAsync(() => Connects(cp.Endpoint).Count > 0 && Applies(served.Hash).Count > 0, "the spans were stopped");

        var refused = Connects(closed)[0];
        Assert.Equal(ActivityStatusCode.Error, refused.Status);
        Assert.NotNull(refused.GetTagItem("error.type"));
        var connected = Assert.Single(Connects(cp.Endpoint));
        Assert.Equal(ActivityStatusCode.Unset, connected.Status);
        var apply = Assert.Single(Applies(served.Hash));
        Assert.Equal("ControlPlane", apply.GetTagItem("resilience.config.origin"));
        Assert.Equal("Applied", apply.GetTagItem("resilience.config.outcome"));

        // A second publish is pushed over the open link: its push-to-apply time is measured.
        var pushed = await cp.PublishAsync($$"""{"version":2,"routes":[{"path":"/{{Guid.NewGuid():N}}"}]}""");
        await Eventually.HoldsAsync(() => dp.Current?.Hash == pushed.Hash, "the node serves the pushed config");
        await Eventually.HoldsAsync(() => pushToApply.GetMeasurementSnapshot().Any(m => Equals(m.Tags["outcome"], "Applied")), "push-to-apply measured");
        Assert.All(pushToApply.GetMeasurementSnapshot(), m => Assert.True(m.Value >= 0));
    }

    public void Dispose() => _listener.Dispose();

    private List<Activity> Connects(Uri endpoint) =>
        _stopped.Where(a => a.OperationName == "resilience.link.connect" && (string?)a.GetTagItem("resilience.link.endpoint") == EndpointTag.Of(endpoint)).ToList();

    private List<Activity> Applies(string hash) =>
        _stopped.Where(a => a.OperationName == "resilience.apply" && (string?)a.GetTagItem("resilience.config.hash") == hash).ToList();

    /// <summary>A loopback port nothing listens on (<see cref="FreePort"/>).</summary>
    private static int ClosedPort() => FreePort.Next();
}
