using BenchmarkDotNet.Running;
using Resilience.Benchmarks;
using Resilience.Benchmarks.Processes;
using Resilience.Benchmarks.Yarp;

// The fan-out benchmark starts this executable again as its client swarm.
if (args is [FanOutSwarm.Command, .. var swarm])
{
    return await FanOutSwarm.RunAsync(swarm);
}

if (args is [DeltaBytesMeasurement.Command])
{
    // Bytes on the wire for a 20,000-route configuration and a one-route edit of it, through a byte-counting relay.
    return await DeltaBytesMeasurement.RunAsync();
}

if (args is [SampleProcessProfile.Command, ..])
{
    // The cold path and the request path in the real sample processes; see bench/sample-processes.sh.
    return await SampleProcessProfile.RunAsync(args);
}

if (args is [SelfRevertScenario.Command, ..])
{
    // Self-revert in the real sample processes: failed requests with the bake on and off, and the time back; see bench/self-revert.sh.
    return await SelfRevertScenario.RunAsync(args);
}

if (args is ["history-apply", ..])
{
    // The cost of the history on a 10 MB apply, in alternating rounds (HistoryApplyBenchmarks.RunAlternating).
    return HistoryApplyBenchmarks.RunAlternating(args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 40);
}

if (args is [FanOutRounds.Command, ..])
{
    // The whole configuration's fan-out against the TLS baseline in alternating rounds (no BenchmarkDotNet set-up per case).
    return await FanOutRounds.RunAsync(args);
}

if (args.Length > 0 && args[0] == "yarp-profile")
{
    // One-shot figures (breakdown, gateway process under load, RSS, plain YARP file reload); see YarpApplyProfile.
    return await YarpApplyProfile.RunAsync(args);
}

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return 0;
