using Resilience.Samples.Demo;

// Upstream mode: the echo service behind the gateways, started by the demo as its own process.
if (args is ["upstream", var upstreamUrl])
{
    return await UpstreamEcho.RunAsync(upstreamUrl);
}

// PKI mode: a development PKI written to a folder (the README's quick start uses it).
if (args is ["pki", .. var pkiArguments])
{
    return PkiCommand.Run(pkiArguments);
}

if (DemoArguments.Parse(args) is not { } arguments)
{
    Console.Error.WriteLine(DemoArguments.Usage);
    return 2;
}

using var interrupted = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    interrupted.Cancel();
};
AppDomain.CurrentDomain.ProcessExit += (_, _) => ChildProcess.KillAll();

try
{
    using var scenario = new OutageScenario(arguments);
    return await scenario.RunAsync(interrupted.Token) ? 0 : 1;
}
catch (OperationCanceledException) when (interrupted.IsCancellationRequested)
{
    Console.Error.WriteLine("demo: interrupted");
    return 130;
}
finally
{
    ChildProcess.KillAll();
}
