using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Xunit.Abstractions;

namespace Resilience.Tests.Fuzzing;

/// <summary>What the fuzz loops share: a data plane over the real pipeline, and the report of a run.</summary>
internal static class FuzzHarness
{
    public static DataPlane Plane(long maxDecompressedBytes = 1 << 20, DeclarativeConfigOptions? yaml = null) => new(
        new ConfigPreparer(1 << 20, maxDecompressedBytes, yaml ?? new DeclarativeConfigOptions { MaxFileBytes = 1 << 20, MaxNodes = 10_000 }),
        new JsonOnlyConfigValidator(),
        null,
        new NodeIdentityProvider(Options.Create(new DataPlaneResilienceOptions { NodeId = "fuzz", NodeVersion = "1.0.0" })),
        TimeProvider.System,
        NullLogger<DataPlane>.Instance,
        meterFactory: null);

    /// <summary>Applies and insists on a result: an exception out of an apply is a finding.</summary>
    public static async Task<ApplyResult> ApplyAsync(DataPlane plane, ConfigDocument document)
    {
        var result = await plane.ApplyAsync(document, default);
        if (result.Outcome is not (ApplyOutcome.Applied or ApplyOutcome.Rejected or ApplyOutcome.Unchanged or ApplyOutcome.Superseded))
        {
            throw new InvalidOperationException($"unexpected outcome {result.Outcome}");
        }

        if (result.Outcome == ApplyOutcome.Rejected && result.Reason == RejectionReason.PipelineFailed)
        {
            // Handled, but only by the last line of defence: a step let an unplanned exception out.
            throw new InvalidOperationException($"a step failed unexpectedly: {string.Join("; ", result.Errors)}");
        }

        return result;
    }

    public static void Report(ITestOutputHelper output, string format, int iterations, List<string> failures)
    {
        output.WriteLine($"{format}: seed {Mutator.Seed}, {iterations} iterations, {failures.Count} escaped exceptions");
        foreach (var failure in failures.Take(20))
        {
            output.WriteLine(failure);
        }

        Assert.True(failures.Count == 0, $"{format}: {failures.Count} of {iterations} inputs let an exception escape; first: {failures.FirstOrDefault()}");
    }
}
