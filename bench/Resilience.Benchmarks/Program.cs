using BenchmarkDotNet.Running;
using Resilience.Benchmarks.Yarp;

if (args.Length > 0 && args[0] == "yarp-profile")
{
    // One-shot figures (breakdown, gateway process under load, RSS, plain YARP file reload); see YarpApplyProfile.
    return await YarpApplyProfile.RunAsync(args);
}

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return 0;
