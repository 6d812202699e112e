using System.Security.Cryptography;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Resilience.Tests.Licensing;

/// <summary>The licence on a fake clock: expiry is reported (state, health, metric), optionally stops serving, and survives restarts.</summary>
public sealed class LicenseTests : IDisposable
{
    private static readonly DateTimeOffset Start = DateTimeOffset.Parse("2026-11-23T12:00:00Z", System.Globalization.CultureInfo.InvariantCulture);
    private readonly TempDirectory _dir = new();
    private readonly FakeTimeProvider _clock = new(Start);
    private readonly ECDsa _controlPlaneKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly ECDsa _attackerKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);

    [Fact]
    public async Task Expired_licence_is_reported_in_state_health_and_metric_and_the_node_keeps_serving_by_default()
    {
        await using var node = await StartServingAsync();
        using var expiresIn = new MetricCollector<double>(node.Services.GetRequiredService<DataPlane>().Metrics.Meter, "resilience.license.expires_in");
        Assert.True(await AcceptAsync(node, LicenseDocument.Create("acme", Start, Start.AddHours(1))));

        Assert.Equal(new LicenseState("acme", Start.AddHours(1), IsExpired: false, ServingStopped: false), node.DataPlane.State.License);
        Assert.Equal(HealthStatus.Healthy, (await CheckAsync(node)).Status);
        expiresIn.RecordObservableInstruments();
        Assert.Equal(3600, expiresIn.LastMeasurement!.Value);

        _clock.Advance(TimeSpan.FromMinutes(59));
        Assert.False(node.DataPlane.State.License!.IsExpired);
        _clock.Advance(TimeSpan.FromMinutes(1));

        Assert.True(node.DataPlane.State.License!.IsExpired);
        Assert.False(node.DataPlane.State.License.ServingStopped);
        var report = await CheckAsync(node);
        Assert.Equal(HealthStatus.Unhealthy, report.Status);
        Assert.Contains("licence for acme expired", report.Entries["data-plane"].Description);
        Assert.Equal("a", Configs.NameOf(node.DataPlane.Current));
        expiresIn.RecordObservableInstruments();
        Assert.Equal(0, expiresIn.LastMeasurement!.Value);
    }

    [Fact]
    public async Task With_StopServingOnLicenseExpiry_the_node_stops_serving_at_expiry_and_serves_again_when_a_valid_licence_arrives()
    {
        await using var node = await StartServingAsync(("Resilience:StopServingOnLicenseExpiry", "true"));
        var served = node.DataPlane.Current;
        await AcceptAsync(node, LicenseDocument.Create("acme", Start, Start.AddDays(30)));
        var stopped = node.DataPlane.GetChangeToken();

        _clock.Advance(TimeSpan.FromDays(30));

        Assert.Null(node.DataPlane.Current);
        Assert.True(stopped.HasChanged);
        Assert.True(node.DataPlane.State.License!.ServingStopped);
        Assert.Equal(ConfigOrigin.None, node.DataPlane.State.ServingTier);
        Assert.False(node.DataPlane.State.IsReady);
        Assert.Equal(HealthStatus.Unhealthy, (await CheckAsync(node)).Status);

        var waiting = node.DataPlane.WaitForChangeAsync(null, default).AsTask();
        Assert.True(await AcceptAsync(node, LicenseDocument.Create("acme", _clock.GetUtcNow(), _clock.GetUtcNow().AddDays(365))));

        Assert.Same(served, node.DataPlane.Current);
        Assert.Same(served, await waiting.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(new LicenseState("acme", Start.AddDays(395), IsExpired: false, ServingStopped: false), node.DataPlane.State.License);
        Assert.Equal(HealthStatus.Healthy, (await CheckAsync(node)).Status);
        Assert.Equal(ConfigOrigin.ControlPlane, node.DataPlane.State.ServingTier);
    }

    [Fact]
    public async Task A_config_pushed_while_serving_is_stopped_is_applied_but_not_served_until_a_valid_licence_arrives()
    {
        var link = new ScriptedClusterLink();
        link.Push(Configs.Json("a"));
        await using var node = await StartAsync(link, ("Resilience:StopServingOnLicenseExpiry", "true"));
        await node.DataPlane.WaitForChangeAsync(null, default).AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        await AcceptAsync(node, LicenseDocument.Create("acme", Start, Start.AddHours(1)));
        _clock.Advance(TimeSpan.FromHours(1));

        link.Push(Configs.Json("b"));
        await node.Services.GetRequiredService<DataPlane>().WaitForStateAsync(s => s.LastApplyResult?.Hash == ConfigHash.Compute(Configs.Json("b")), default).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Null(node.DataPlane.Current);

        await AcceptAsync(node, LicenseDocument.Create("acme", _clock.GetUtcNow(), _clock.GetUtcNow().AddHours(1)));
        Assert.Equal("b", Configs.NameOf(node.DataPlane.Current));
    }

    [Fact]
    public async Task The_licence_survives_a_restart_from_its_file_and_an_expired_one_keeps_the_cache_from_being_served()
    {
        await using (var first = await StartServingAsync(("Resilience:StopServingOnLicenseExpiry", "true")))
        {
            await AcceptAsync(first, LicenseDocument.Create("acme", Start, Start.AddHours(1)));
        }

        Assert.True(File.Exists(_dir.Combine("data", "license.json")));

        await using (var restarted = await StartAsync(new ScriptedClusterLink(), ("Resilience:StopServingOnLicenseExpiry", "true")))
        {
            Assert.Equal(new LicenseState("acme", Start.AddHours(1), IsExpired: false, ServingStopped: false), restarted.DataPlane.State.License);
            Assert.Equal("a", Configs.NameOf(restarted.DataPlane.Current));
        }

        _clock.Advance(TimeSpan.FromHours(2));
        await using var late = await StartAsync(new ScriptedClusterLink(), ("Resilience:StopServingOnLicenseExpiry", "true"));
        await late.Startup.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(late.DataPlane.State.License!.IsExpired);

        // Readers get nothing, and the state says so: no tier, not ready.
        Assert.Null(late.DataPlane.Current);
        Assert.Equal(ConfigOrigin.None, late.DataPlane.State.ServingTier);
        Assert.False(late.DataPlane.State.IsReady);

        Assert.True(await AcceptAsync(late, LicenseDocument.Create("acme", _clock.GetUtcNow(), _clock.GetUtcNow().AddDays(1))));
        Assert.Equal("a", Configs.NameOf(late.DataPlane.Current));
        Assert.Equal(ConfigOrigin.Cache, late.DataPlane.State.ServingTier);
        Assert.True(late.DataPlane.State.IsReady);
    }

    [Fact]
    public async Task An_expired_stored_licence_takes_effect_before_the_chain_starts_so_no_reader_ever_sees_the_cache()
    {
        await using (var first = await StartServingAsync(("Resilience:StopServingOnLicenseExpiry", "true")))
        {
            await AcceptAsync(first, LicenseDocument.Create("acme", Start, Start.AddHours(1)));
        }

        _clock.Advance(TimeSpan.FromHours(2));
        var probe = new ReaderProbe();
        var settings = ChainNode.Settings(_dir);
        settings["Resilience:StopServingOnLicenseExpiry"] = "true";

        // The probe is a hosted service registered before the chain's: it watches what readers see from before the
        // chain starts. The licence monitor is not the chain's dependency; it loads the stored licence in StartingAsync.
        await using var node = await ChainNode.StartUnobservedAsync(settings, b => b.UseClusterLink(new ScriptedClusterLink()), s =>
        {
            s.AddSingleton<TimeProvider>(_clock);
            s.AddHostedService(sp => probe.Watching(sp.GetRequiredService<IDataPlane>()));
        });
        await node.Startup.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.True(node.DataPlane.State.License!.ServingStopped);
        Assert.Null(node.DataPlane.Current);
        Assert.Empty(probe.Seen);
    }

    [Theory]
    [InlineData("missing")]
    [InlineData("wrong-key")]
    [InlineData("tampered-payload")]
    public async Task With_a_signing_key_a_licence_without_a_valid_signature_is_refused_and_the_held_one_stays(string problem)
    {
        var signing = ("Resilience:Signing:PublicKeyPem", _controlPlaneKey.ExportSubjectPublicKeyInfoPem());
        await using var node = await StartAsync(new ScriptedClusterLink(), signing);
        Assert.True(await AcceptAsync(node, LicenseDocument.Create("acme", Start, Start.AddDays(1), _controlPlaneKey)));

        var forged = LicenseDocument.Create("mallory", Start, Start.AddYears(10), _attackerKey);
        var accepted = problem switch
        {
            "missing" => await AcceptAsync(node, LicenseDocument.Create("mallory", Start, Start.AddYears(10))),
            "wrong-key" => await AcceptAsync(node, forged),
            _ => await node.Services.GetRequiredService<LicenseMonitor>().AcceptFromControlPlaneAsync(
                System.Text.Encoding.UTF8.GetBytes(System.Text.Encoding.UTF8.GetString(LicenseDocument.Create("acme", Start, Start.AddDays(1), _controlPlaneKey).Payload.Span).Replace("acme", "mallory")),
                LicenseDocument.Create("acme", Start, Start.AddDays(1), _controlPlaneKey).Signature,
                default),
        };

        Assert.False(accepted);
        Assert.Equal("acme", node.DataPlane.State.License!.Subject);
    }

    [Fact]
    public async Task A_licence_file_altered_on_disk_is_refused_at_start_up()
    {
        var signing = ("Resilience:Signing:PublicKeyPem", _controlPlaneKey.ExportSubjectPublicKeyInfoPem());
        await using (var first = await StartAsync(new ScriptedClusterLink(), signing))
        {
            await AcceptAsync(first, LicenseDocument.Create("acme", Start, Start.AddDays(1), _controlPlaneKey));
        }

        var path = _dir.Combine("data", "license.json");
        var stored = System.Text.Json.Nodes.JsonNode.Parse(await File.ReadAllTextAsync(path))!;
        var payload = System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(stored["payload"]!.GetValue<string>()));
        stored["payload"] = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(payload.Replace("2026-11-24", "2036-11-24")));
        await File.WriteAllTextAsync(path, stored.ToJsonString());

        await using var restarted = await StartAsync(new ScriptedClusterLink(), signing);

        Assert.Null(restarted.DataPlane.State.License);
    }

    public void Dispose()
    {
        _controlPlaneKey.Dispose();
        _attackerKey.Dispose();
        _dir.Dispose();
    }

    private static Task<HealthReport> CheckAsync(ChainNode node) => node.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync();

    private static async Task<bool> AcceptAsync(ChainNode node, LicenseDocument license) =>
        await node.Services.GetRequiredService<LicenseMonitor>().AcceptFromControlPlaneAsync(license.Payload, license.Signature, default);

    private async Task<ChainNode> StartServingAsync(params (string Key, string Value)[] extra)
    {
        var link = new ScriptedClusterLink();
        link.Push(Configs.Json("a"));
        var node = await StartAsync(link, extra);
        await node.DataPlane.WaitForChangeAsync(null, default).AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        return node;
    }

    private Task<ChainNode> StartAsync(ScriptedClusterLink link, params (string Key, string Value)[] extra)
    {
        var settings = ChainNode.Settings(_dir);
        foreach (var (key, value) in extra)
        {
            settings[key] = value;
        }

        // Unobserved: with a silent link and no cache, the start-up walk waits for the (fake) start-up timeout.
        return ChainNode.StartUnobservedAsync(settings, b => b.UseClusterLink(link), s =>
        {
            s.AddSingleton<TimeProvider>(_clock);
            s.AddHealthChecks().AddDataPlaneCheck();
        });
    }

    /// <summary>Records every configuration readers were shown, from its start (before the chain's) on.</summary>
    private sealed class ReaderProbe : Microsoft.Extensions.Hosting.IHostedService
    {
        private IDataPlane? _dataPlane;

        public System.Collections.Concurrent.ConcurrentQueue<string?> Seen { get; } = new();

        public ReaderProbe Watching(IDataPlane dataPlane)
        {
            _dataPlane = dataPlane;
            return this;
        }

        public Task StartAsync(CancellationToken cancellationToken)
        {
            Assert.Null(_dataPlane!.Current);
            Subscribe();
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        private void Subscribe() => _dataPlane!.GetChangeToken().RegisterChangeCallback(_ =>
        {
            Seen.Enqueue(_dataPlane.Current is { } shown ? Configs.NameOf(shown) : null);
            Subscribe();
        }, null);
    }
}
