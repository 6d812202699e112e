using System.Text;
using Microsoft.Extensions.DependencyInjection;

namespace Resilience.Tests.Chain;

/// <summary>
/// A gateway's own rules run beside a package's: every registered validator runs, in registration order, all must
/// pass, all errors are reported, the first that returns a model provides it (on a real chain node).
/// </summary>
public sealed class ComposedValidatorTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    [Fact]
    public async Task Every_validator_runs_in_registration_order_and_every_error_is_reported()
    {
        var calls = new List<string>();
        await using var node = await ChainNode.StartAsync(
            ChainNode.Settings(_dir),
            b => b
                .UseValidator((payload, _) => Record(calls, "first", payload, reject: "bad"))
                .UseValidator<RefusesEvil>()
                .UseValidator((payload, _) => Record(calls, "third", payload, reject: "bad")),
            s => s.AddSingleton(calls));

        var result = await node.DataPlane.ApplyManualAsync(Configs.Json("bad-and-evil"), ConfigFormat.Json, default);

        Assert.Equal(ApplyOutcome.Rejected, result.Outcome);
        Assert.Equal(RejectionReason.ValidatorRejected, result.Reason);
        Assert.Equal(["first refuses 'bad'", "evil is not allowed", "third refuses 'bad'"], result.Errors);
        Assert.Equal(["first", "second", "third"], calls);
        Assert.Null(node.DataPlane.Current);

        calls.Clear();
        var evil = await node.DataPlane.ApplyManualAsync(Configs.Json("evil"), ConfigFormat.Json, default);
        Assert.Equal(["evil is not allowed"], evil.Errors);
        Assert.Equal(["first", "second", "third"], calls);

        var good = await node.DataPlane.ApplyManualAsync(Configs.Json("good"), ConfigFormat.Json, default);
        Assert.Equal(ApplyOutcome.Applied, good.Outcome);
    }

    [Fact]
    public async Task The_first_validator_that_returns_a_model_provides_it_whatever_runs_before_or_after()
    {
        await using var node = await ChainNode.StartAsync(
            ChainNode.Settings(_dir),
            b => b
                .UseValidator((_, _) => ValueTask.FromResult(ConfigValidationResult.Valid()))
                .UseValidator((payload, _) => ValueTask.FromResult(ConfigValidationResult.Valid(new ParsedName(Name(payload)))))
                .UseValidator((_, _) => ValueTask.FromResult(ConfigValidationResult.Valid(new ParsedName("later model, ignored")))));

        await node.DataPlane.ApplyManualAsync(Configs.Json("a"), ConfigFormat.Json, default);

        Assert.Equal(new ParsedName("a"), node.DataPlane.Current!.GetModel<ParsedName>());
    }

    [Fact]
    public async Task A_validator_that_throws_fails_the_configuration_and_the_others_still_run_and_report()
    {
        var calls = new List<string>();
        await using var node = await ChainNode.StartAsync(
            ChainNode.Settings(_dir),
            b => b
                .UseValidator((_, _) => throw new FormatException("schema v9 unknown"))
                .UseValidator((payload, _) => Record(calls, "after", payload, reject: "bad")));

        var result = await node.DataPlane.ApplyManualAsync(Configs.Json("bad"), ConfigFormat.Json, default);

        Assert.Equal(RejectionReason.ValidatorFailed, result.Reason);
        Assert.Equal(2, result.Errors.Count);
        Assert.Contains("DelegateConfigValidator threw FormatException: schema v9 unknown", result.Errors[0], StringComparison.Ordinal);
        Assert.Equal("after refuses 'bad'", result.Errors[1]);
        Assert.Equal(["after"], calls);
    }

    [Fact]
    public async Task The_same_validator_type_registered_twice_runs_once_and_none_registered_accepts_any_object()
    {
        var calls = new List<string>();
        await using (var node = await ChainNode.StartAsync(ChainNode.Settings(_dir), b => b.UseValidator<RefusesEvil>().UseValidator<RefusesEvil>(), s => s.AddSingleton(calls)))
        {
            Assert.Single(node.Services.GetServices<IDataPlaneConfigValidator>());
            await node.DataPlane.ApplyManualAsync(Configs.Json("fine"), ConfigFormat.Json, default);
            Assert.Equal(["second"], calls);
        }

        using var other = new TempDirectory();
        await using var bare = await ChainNode.StartAsync(ChainNode.Settings(other));
        Assert.Equal(ApplyOutcome.Applied, (await bare.DataPlane.ApplyManualAsync(Configs.Json("anything"), ConfigFormat.Json, default)).Outcome);
    }

    public void Dispose() => _dir.Dispose();

    private static ValueTask<ConfigValidationResult> Record(List<string> calls, string name, ReadOnlyMemory<byte> payload, string reject)
    {
        lock (calls)
        {
            calls.Add(name);
        }

        return ValueTask.FromResult(Name(payload).Contains(reject, StringComparison.Ordinal)
            ? ConfigValidationResult.Invalid($"{name} refuses '{reject}'")
            : ConfigValidationResult.Valid());
    }

    private static string Name(ReadOnlyMemory<byte> payload)
    {
        using var document = System.Text.Json.JsonDocument.Parse(payload);
        return document.RootElement.GetProperty("name").GetString()!;
    }

    private sealed record ParsedName(string Name);

    /// <summary>A validator type resolved from the container, registered between two delegates.</summary>
    private sealed class RefusesEvil(List<string> calls) : IDataPlaneConfigValidator
    {
        public ValueTask<ConfigValidationResult> ValidateAsync(ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
        {
            lock (calls)
            {
                calls.Add("second");
            }

            return ValueTask.FromResult(Encoding.UTF8.GetString(payload.Span).Contains("evil", StringComparison.Ordinal)
                ? ConfigValidationResult.Invalid("evil is not allowed")
                : ConfigValidationResult.Valid());
        }
    }
}
