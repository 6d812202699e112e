using System.Diagnostics;
using System.Globalization;

namespace Resilience.Benchmarks.Processes;

/// <summary>One run of the self-revert scenario, from the requests that completed after the bad file landed.</summary>
/// <param name="Requests">Requests completed in the observed seconds.</param>
/// <param name="Failed">Those that failed.</param>
/// <param name="FirstFailureMs">From the landing of the bad file to the first failed request (the control plane's publish and the gateway's apply).</param>
/// <param name="RecoveredMs">From the first failed request to the first request that succeeded after the last failure, or <see langword="null"/> when none did.</param>
/// <param name="FinalServed">What the gateway served at the end: <c>previous</c>, <c>bad</c> or a hash.</param>
/// <param name="FinalBake">The bake state of what it served at the end.</param>
internal sealed record SelfRevertRun(int Requests, int Failed, double? FirstFailureMs, double? RecoveredMs, string FinalServed, string FinalBake)
{
    public static SelfRevertRun From(IReadOnlyList<(long At, bool Ok)> requests, long landedAt, string finalServed, string finalBake)
    {
        var observed = requests.Where(r => r.At >= landedAt).ToArray();
        var failures = observed.Where(r => !r.Ok).ToArray();
        double? firstFailure = failures.Length > 0 ? Stopwatch.GetElapsedTime(landedAt, failures[0].At).TotalMilliseconds : null;
        double? recovered = null;
        if (failures.Length > 0 && observed.FirstOrDefault(r => r.Ok && r.At > failures[^1].At) is { At: > 0 } back)
        {
            recovered = Stopwatch.GetElapsedTime(failures[0].At, back.At).TotalMilliseconds;
        }

        return new SelfRevertRun(observed.Length, failures.Length, firstFailure, recovered, finalServed, finalBake);
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{Failed} of {Requests} requests failed; first failure +{FirstFailureMs:F0} ms after the landing; " +
        $"{(RecoveredMs is { } ms ? $"previous configuration serving again {ms:F0} ms after the first failure" : "never served again")}; " +
        $"at the end: {FinalServed}, bake {FinalBake}");
}
