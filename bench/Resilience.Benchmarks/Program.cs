using BenchmarkDotNet.Running;
using Resilience.Benchmarks;

// The fan-out benchmark starts this executable again as its client swarm.
if (args is [FanOutSwarm.Command, .. var swarm])
{
    return await FanOutSwarm.RunAsync(swarm);
}

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return 0;
