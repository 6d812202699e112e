using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using static Resilience.Tests.History.HistoryPlanes;

namespace Resilience.Tests.Bake;

/// <summary>
/// The bake on a fake clock over a real data plane, cache and history: the failed-request share, the tagged health checks
/// and the host's probes decide; a failure goes back once, never in a loop; too little traffic keeps the configuration.
/// </summary>
public sealed class ConfigBakeTests : IAsyncLifetime
{
    private readonly TempDirectory _dir = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 7, 3, 0, 0, TimeSpan.Zero));
    private readonly Counters _counters = new();
    private readonly List<IDisposable> _owned = [];
    private HealthStatus _check = HealthStatus.Healthy;
    private HealthStatus _probe = HealthStatus.Healthy;
    private bool _refuse;
    private DataPlane _plane = null!;
    private ConfigBake _bake = null!;

    public Task InitializeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Failing_requests_send_the_node_back_within_a_second_of_the_detection_window()
    {
        await StartAsync();
        await PassAsync("good");

        await _plane.ApplyAsync(Push("bad"), default);
        Assert.Equal(ConfigBakeStatus.Baking, _plane.State.Bake.Status);
        var seconds = 0;
        while (_plane.State.Bake.Status == ConfigBakeStatus.Baking && seconds < 11)
        {
            _counters.Add(100, failed: 100);
            await TickAsync();
            seconds++;
        }

        Assert.True(seconds <= 11, $"still baking after {seconds} s");
        var bake = await WaitForBakeAsync(ConfigBakeStatus.Reverted);
        Assert.Equal(Hash("bad"), bake.Hash);
        Assert.Contains("requests failed", bake.Reason);
        Assert.Equal("good", Configs.NameOf(_plane.Current));
        Assert.Equal(ConfigOrigin.Rollback, _plane.State.ServingTier);
        Assert.Equal((ConfigRollbackKind.Reverted, Hash("bad"), DataPlane.SelfRevertActor), (_plane.State.Rollback!.Kind, _plane.State.Rollback.FromHash, _plane.State.Rollback.Actor));
        Assert.Equal(ConfigHistoryEnd.Reverted, _plane.History[1].End);

        // The bad hash pushed again is refused until another configuration comes.
        Assert.Equal(RejectionReason.RolledBack, (await _plane.ApplyAsync(Push("bad"), default)).Reason);
    }

    [Fact]
    public async Task A_configuration_as_healthy_as_the_one_before_passes()
    {
        await StartAsync();
        await PassAsync("v1");

        await _plane.ApplyAsync(Push("v2"), default);
        for (var i = 0; i < 61; i++)
        {
            _counters.Add(100, failed: 1);
            await TickAsync();
        }

        var bake = await WaitForBakeAsync(ConfigBakeStatus.Passed);
        Assert.Equal(Hash("v2"), bake.Hash);
        Assert.Equal("v2", Configs.NameOf(_plane.Current));
    }

    [Fact]
    public async Task Too_little_traffic_keeps_the_configuration_and_says_it_could_not_decide()
    {
        await StartAsync(o => o.MinimumRequests = 100);
        await _plane.ApplyAsync(Push("v1"), default);
        await _plane.ApplyAsync(Push("quiet"), default);

        for (var i = 0; i < 61; i++)
        {
            _counters.Add(1, failed: 1);
            await TickAsync();
        }

        var bake = await WaitForBakeAsync(ConfigBakeStatus.Undecided);
        Assert.Contains("fewer than the 100 needed", bake.Reason);
        Assert.Equal("quiet", Configs.NameOf(_plane.Current));
        Assert.Null(_plane.State.Rollback);
    }

    [Fact]
    public async Task A_tagged_health_check_unhealthy_for_a_whole_window_reverts_and_a_blip_does_not()
    {
        await StartAsync();
        await PassAsync("good");
        await _plane.ApplyAsync(Push("no-upstream"), default);

        _check = HealthStatus.Unhealthy;
        for (var i = 0; i < 4; i++)
        {
            await TickAsync();
        }

        _check = HealthStatus.Healthy;
        await TickAsync();
        Assert.Equal(ConfigBakeStatus.Baking, _plane.State.Bake.Status);

        _check = HealthStatus.Unhealthy;
        for (var i = 0; i < 12 && _plane.State.Bake.Status == ConfigBakeStatus.Baking; i++)
        {
            await TickAsync();
        }

        var bake = await WaitForBakeAsync(ConfigBakeStatus.Reverted);
        Assert.Contains("routes: cluster c has no available destination", bake.Reason);
        Assert.Equal("good", Configs.NameOf(_plane.Current));
    }

    [Fact]
    public async Task An_unhealthy_probe_reverts_at_once()
    {
        await StartAsync();
        await PassAsync("good");
        await _plane.ApplyAsync(Push("probe-says-no"), default);

        _probe = HealthStatus.Unhealthy;
        await TickAsync();

        var bake = await WaitForBakeAsync(ConfigBakeStatus.Reverted);
        Assert.Contains("synthetic login failed", bake.Reason);
    }

    [Fact]
    public async Task A_hash_is_reverted_once_never_in_a_loop_and_an_operator_apply_or_a_rollback_is_never_baked()
    {
        await StartAsync();
        await PassAsync("good");
        await FailAsync("bad");
        await WaitForBakeAsync(ConfigBakeStatus.Reverted);

        // The control plane moves on, then pushes the same bad configuration again: served, baked, failed, kept.
        await PassAsync("other");
        Assert.Equal(ApplyOutcome.Applied, (await _plane.ApplyAsync(Push("bad"), default)).Outcome);
        await FailAsync(null);
        var bake = await WaitForBakeAsync(ConfigBakeStatus.Failed);
        Assert.Contains("never reverts a configuration twice", bake.Reason);
        Assert.Equal("bad", Configs.NameOf(_plane.Current));

        await _plane.ApplyManualAsync(Configs.Json("by-hand"), ConfigFormat.Json, default);
        await WaitForBakeAsync(ConfigBakeStatus.None);
        await _plane.RollbackAsync(Hash("other"), "operator", default);
        _counters.Add(100, failed: 100);
        await TickAsync();
        Assert.Equal(ConfigBakeStatus.None, _plane.State.Bake.Status);
        Assert.Equal("other", Configs.NameOf(_plane.Current));
    }

    [Fact]
    public async Task A_revert_the_validator_refuses_keeps_the_configuration_and_says_so()
    {
        await StartAsync();
        await PassAsync("good");
        await _plane.ApplyAsync(Push("bad"), default);
        _refuse = true;

        await FailAsync(null);

        var bake = await WaitForBakeAsync(ConfigBakeStatus.Failed);
        Assert.Contains("schema moved on", bake.Reason);
        Assert.Equal("bad", Configs.NameOf(_plane.Current));
    }

    [Fact]
    public async Task The_first_configuration_a_node_serves_has_nothing_to_go_back_to()
    {
        await StartAsync();
        await _plane.ApplyAsync(Push("first"), default);

        await FailAsync(null);

        var bake = await WaitForBakeAsync(ConfigBakeStatus.Failed);
        Assert.Contains("no configuration served before it", bake.Reason);
        Assert.Equal("first", Configs.NameOf(_plane.Current));
    }

    [Fact]
    public async Task A_requested_bake_tightens_the_nodes_own_and_its_faster_interval_ends_with_the_bake()
    {
        // The node's own bake needs 1,000 requests and judges once a second: it could not fail this configuration.
        await StartAsync(o => o.MinimumRequests = 1000);
        await PassAsync("good");

        var request = new BakeRequest { DetectionWindow = TimeSpan.FromSeconds(1), EvaluationInterval = TimeSpan.FromMilliseconds(100), MinimumRequests = 5 };
        await _plane.ApplyAsync(Pushed("bad", request), default);
        Assert.Equal(request, _plane.Current!.RequestedBake);
        _counters.Add(6, failed: 6);
        await AdvanceAsync(TimeSpan.FromMilliseconds(100));

        var bake = await WaitForBakeAsync(ConfigBakeStatus.Reverted);
        Assert.Contains("6 of 6 requests failed in the last 00:00:01", bake.Reason);
        Assert.Equal("good", Configs.NameOf(_plane.Current));

        // The next configuration brings no request: judged once a second again, not every 100 ms.
        await _plane.ApplyAsync(Push("next"), default);
        _counters.Add(2000, failed: 2000);
        await AdvanceAsync(TimeSpan.FromMilliseconds(300));
        Assert.Equal(ConfigBakeStatus.Baking, _plane.State.Bake.Status);
        await AdvanceAsync(TimeSpan.FromMilliseconds(700));
        await WaitForBakeAsync(ConfigBakeStatus.Reverted);
    }

    [Fact]
    public async Task Requests_that_failed_before_the_apply_never_count_in_a_window_of_its_bake()
    {
        await StartAsync();
        await PassAsync("good");

        // Half-way between two samples, 10 requests fail under "good"; then a configuration whose bake samples every
        // 100 ms over 1.05 s: 1.1 s in, the window begins 50 ms after the apply, before its first sample. The sample
        // before that is from "good" and holds those 10 failures: they are not this configuration's.
        await AdvanceAsync(TimeSpan.FromMilliseconds(500));
        _counters.Add(10, failed: 10);
        var request = new BakeRequest { DetectionWindow = TimeSpan.FromMilliseconds(1050), EvaluationInterval = TimeSpan.FromMilliseconds(100), MinimumRequests = 3 };
        await _plane.ApplyAsync(Pushed("fine", request), default);
        for (var i = 0; i < 15; i++)
        {
            _counters.Add(2, failed: 0);
            await AdvanceAsync(TimeSpan.FromMilliseconds(100));
            Assert.Equal(ConfigBakeStatus.Baking, _plane.State.Bake.Status);
        }
    }

    [Fact]
    public async Task A_requested_bake_never_loosens_the_nodes_own()
    {
        await StartAsync();
        await PassAsync("good");

        // Asks for a longer window, more requests and any failed share: the node keeps its own 10 s, 20 requests, 5 points.
        var loose = new BakeRequest { DetectionWindow = TimeSpan.FromHours(1), MinimumRequests = 1_000_000, MaxFailedRequestRatioIncrease = 1 };
        await _plane.ApplyAsync(Pushed("bad", loose), default);
        _counters.Add(30, failed: 30);
        await TickAsync();

        var bake = await WaitForBakeAsync(ConfigBakeStatus.Reverted);
        Assert.Contains("30 of 30 requests failed in the last 00:00:10", bake.Reason);
    }

    [Theory]
    [InlineData(10, null, null, null)]
    [InlineData(null, 10, null, null)]
    [InlineData(null, 2000, null, null)]
    [InlineData(null, null, 0, null)]
    [InlineData(null, null, null, -0.1)]
    [InlineData(null, null, null, double.NaN)]
    public async Task A_requested_bake_out_of_bounds_is_ignored_whole(int? windowMs, int? intervalMs, int? minimum, double? increase)
    {
        await StartAsync();
        await PassAsync("good");

        // Each bad request also asks for 1 request and a 100 ms interval: ignored with it, so the node's own 20 requests and 1 s decide.
        var request = new BakeRequest
        {
            DetectionWindow = windowMs is { } w ? TimeSpan.FromMilliseconds(w) : null,
            EvaluationInterval = TimeSpan.FromMilliseconds(intervalMs ?? 100),
            MinimumRequests = minimum ?? 1,
            MaxFailedRequestRatioIncrease = increase,
        };
        Assert.NotEmpty(request.Validate());
        await _plane.ApplyAsync(Pushed("bad", request), default);
        _counters.Add(10, failed: 10);
        await AdvanceAsync(TimeSpan.FromMilliseconds(500));
        Assert.Equal(ConfigBakeStatus.Baking, _plane.State.Bake.Status);
        await AdvanceAsync(TimeSpan.FromMilliseconds(500));
        Assert.Equal(ConfigBakeStatus.Baking, _plane.State.Bake.Status);

        _counters.Add(10, failed: 10);
        await TickAsync();
        await WaitForBakeAsync(ConfigBakeStatus.Reverted);
    }

    [Fact]
    public async Task The_share_before_an_apply_leaves_out_a_configuration_the_node_just_went_back_from()
    {
        await StartAsync();
        await PassAsync("good");
        await FailAsync("bad");
        await WaitForBakeAsync(ConfigBakeStatus.Reverted);

        // At once the next one, which fails 13 % of its requests: judged against the share under "good" (0 %, so above
        // the 5 points allowed), not against a window that holds "bad"'s failures (10 % of the last 10 s: 15 % allowed).
        await _plane.ApplyAsync(Push("some-fail"), default);
        for (var i = 0; i < 11 && _plane.State.Bake.Status == ConfigBakeStatus.Baking; i++)
        {
            _counters.Add(30, failed: 4);
            await TickAsync();
        }

        var bake = await WaitForBakeAsync(ConfigBakeStatus.Reverted);
        Assert.Contains("0.0 % before the apply", bake.Reason);
    }

    [Fact]
    public async Task The_share_before_an_apply_leaves_out_what_came_before_the_last_change_between_two_samples()
    {
        await StartAsync(o => o.DetectionWindow = TimeSpan.FromSeconds(2));
        await PassAsync("good");

        // "bad" fails 20 requests (too few to judge before an operator takes it back, half-way between two samples).
        await _plane.ApplyAsync(Push("bad"), default);
        _counters.Add(10, failed: 10);
        await TickAsync();
        _counters.Add(10, failed: 10);
        await AdvanceAsync(TimeSpan.FromMilliseconds(500));
        await _plane.RollbackAsync(Hash("good"), "operator", default);
        _counters.Add(20, failed: 0);
        await AdvanceAsync(TimeSpan.FromMilliseconds(500));
        _counters.Add(20, failed: 0);
        await AdvanceAsync(TimeSpan.FromMilliseconds(700));

        // The 2 s window before this apply begins at the sample before the rollback: the share before is taken from the
        // first sample after it (0 %), not from one that holds "bad"'s last 10 failures (20 %: 25 % allowed).
        await _plane.ApplyAsync(Push("some-fail"), default);
        for (var i = 0; i < 5 && _plane.State.Bake.Status == ConfigBakeStatus.Baking; i++)
        {
            _counters.Add(30, failed: 4);
            await TickAsync();
        }

        var bake = await WaitForBakeAsync(ConfigBakeStatus.Reverted);
        Assert.Contains("0.0 % before the apply", bake.Reason);
    }

    [Fact]
    public void A_detection_window_longer_than_the_bake_fails_start_up()
    {
        var result = new BakeCrossFieldValidator().Validate(null, new BakeOptions { Duration = TimeSpan.FromSeconds(5), DetectionWindow = TimeSpan.FromSeconds(10) });

        Assert.True(result.Failed);
        Assert.Contains("DetectionWindow", result.FailureMessage);
    }

    public async Task DisposeAsync()
    {
        if (_bake is not null)
        {
            await _bake.StopAsync(default);
        }

        foreach (var owned in _owned)
        {
            owned.Dispose();
        }

        _dir.Dispose();
    }

    private async Task StartAsync(Action<BakeOptions>? configure = null)
    {
        var options = new BakeOptions { Enabled = true, Duration = TimeSpan.FromSeconds(60), DetectionWindow = TimeSpan.FromSeconds(10), MinimumRequests = 20 };
        configure?.Invoke(options);
        var validator = new DelegateConfigValidator((_, _) => ValueTask.FromResult(_refuse ? ConfigValidationResult.Invalid(["schema moved on"]) : ConfigValidationResult.Valid()));
        _plane = new DataPlane(
            new ConfigPreparer(1 << 20, 1 << 20, new DeclarativeConfigOptions()),
            validator,
            FileCache(_dir),
            new NodeIdentityProvider(Options.Create(new DataPlaneResilienceOptions { NodeId = "bake", NodeVersion = "1.0.0" })),
            _time,
            NullLogger<DataPlane>.Instance,
            meterFactory: null,
            historyDepth: 5,
            outcomes: _counters);
        var services = new ServiceCollection().AddLogging();
        services.AddHealthChecks().AddCheck("routes", () => new HealthCheckResult(_check, _check == HealthStatus.Unhealthy ? "cluster c has no available destination" : null), tags: ["bake"]);
        var provider = services.BuildServiceProvider();
        _owned.Add(provider);
        _owned.Add(_plane);
        _bake = new ConfigBake(_plane, Options.Create(options), [new Probe(() => _probe)], _time, NullLogger<ConfigBake>.Instance, provider.GetRequiredService<HealthCheckService>());
        _owned.Add(_bake);
        await _bake.StartAsync(default);
    }

    /// <summary>A configuration from the control plane that asks for a stricter bake.</summary>
    private static ConfigDocument Pushed(string name, BakeRequest request) =>
        new(Configs.Json(name), ConfigFormat.Json, ConfigOrigin.ControlPlane) { Source = "test push", Version = name, RequestedBake = request };

    /// <summary>Applies a configuration from the control plane and bakes it to a pass with healthy traffic.</summary>
    private async Task PassAsync(string name)
    {
        await _plane.ApplyAsync(Push(name), default);
        for (var i = 0; i < 61 && _plane.State.Bake.Status == ConfigBakeStatus.Baking; i++)
        {
            _counters.Add(100, failed: 0);
            await TickAsync();
        }

        await WaitForBakeAsync(ConfigBakeStatus.Passed);
    }

    /// <summary>Applies (when named) and sends failing traffic until the bake ends.</summary>
    private async Task FailAsync(string? name)
    {
        if (name is not null)
        {
            await _plane.ApplyAsync(Push(name), default);
        }

        for (var i = 0; i < 12 && _plane.State.Bake.Status == ConfigBakeStatus.Baking; i++)
        {
            _counters.Add(100, failed: 100);
            await TickAsync();
        }
    }

    /// <summary>One second of the fake clock, then lets the evaluation it started (health checks, a revert through the pipeline) run.</summary>
    private Task TickAsync() => AdvanceAsync(TimeSpan.FromSeconds(1));

    /// <summary>Moves the fake clock, then lets the evaluation it started run.</summary>
    private async Task AdvanceAsync(TimeSpan by)
    {
        _time.Advance(by);
        for (var i = 0; i < 500 && _bake.IsEvaluating; i++)
        {
            await Task.Delay(10);
        }
    }

    private async Task<ConfigBakeState> WaitForBakeAsync(ConfigBakeStatus status)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await _plane.WaitForStateAsync(s => s.Bake.Status == status, deadline.Token);
        return _plane.State.Bake;
    }

    /// <summary>The node's request counters, moved by the test instead of a proxy.</summary>
    private sealed class Counters : IRequestOutcomes
    {
        private long _requests;
        private long _failed;

        public long Requests => Volatile.Read(ref _requests);

        public long FailedRequests => Volatile.Read(ref _failed);

        public void Add(long requests, long failed)
        {
            Interlocked.Add(ref _failed, failed);
            Interlocked.Add(ref _requests, requests);
        }
    }

    private sealed class Probe(Func<HealthStatus> status) : IConfigHealthProbe
    {
        public ValueTask<HealthCheckResult> CheckAsync(ConfigSnapshot snapshot, CancellationToken cancellationToken) =>
            ValueTask.FromResult(new HealthCheckResult(status(), status() == HealthStatus.Unhealthy ? "synthetic login failed" : null));
    }
}
