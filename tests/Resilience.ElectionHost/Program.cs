using System.Globalization;
using Amazon.Runtime;
using Microsoft.Extensions.DependencyInjection;
using Resilience;
using Resilience.ElectionHost;

// One backup exporter in its own OS process, so a test can SIGSTOP, SIGCONT and SIGKILL it:
//   Resilience.ElectionHost <store endpoint> <storage uri> <node id> <config file> <interval ms> <grace ms>
// <store endpoint> is s3rver's URL for an s3:// URI, Azurite's connection string for an azure:// URI.
// It offers the content of <config file> whenever it changes (a frozen process does not see changes, as a
// frozen node receives no pushes) and prints "UPLOAD <hash> <node id>" for every upload of the config object.
if (args.Length != 6)
{
    Console.Error.WriteLine("usage: Resilience.ElectionHost <store endpoint> <storage uri> <node id> <config file> <interval ms> <grace ms>");
    return 2;
}

var (endpoint, storage, nodeId, configFile) = (args[0], new Uri(args[1]), args[2], args[3]);
var interval = TimeSpan.FromMilliseconds(int.Parse(args[4], CultureInfo.InvariantCulture));
var grace = TimeSpan.FromMilliseconds(int.Parse(args[5], CultureInfo.InvariantCulture));

// A retry budget inside the grace, as start-up requires.
void Budget(FallbackStoreRetryOptions o)
{
    o.MaxRetryAttempts = 2;
    o.RetryBaseDelay = TimeSpan.FromMilliseconds(50);
    o.AttemptTimeout = grace / 3;
    o.TotalTimeout = grace * 2 / 3;
}

var services = new ServiceCollection();
services.AddLogging();
var registrations = new StoreRegistrations(services);
if (storage.Scheme == "azure")
{
    registrations.UseAzureFallbackStore(o =>
    {
        o.ConnectionString = endpoint;
        Budget(o);
    });
}
else
{
    registrations.UseS3FallbackStore(o =>
    {
        o.Endpoint = endpoint;
        o.Region = "us-east-1";
        o.Credentials = new BasicAWSCredentials("S3RVER", "S3RVER");
        Budget(o);
    });
}

await using var provider = services.BuildServiceProvider();
var store = UploadReportingStore.Wrap(provider.GetServices<IFallbackStoreFactory>().Last(f => f.Scheme == storage.Scheme).Create(storage), nodeId);
var options = new FallbackConfigExporterOptions
{
    NodeId = nodeId,
    NodeVersion = "1.0.0",
    ElectionInterval = interval,
    ElectionGrace = grace,
    ExportDelay = TimeSpan.Zero,
    MaxConfigBytes = 1 << 20,
    MeterName = "Resilience.ElectionHost",
};
using var exporter = new FallbackConfigExporter(store, options, TimeProvider.System, new ConsoleLineLogger(nodeId));

using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stop.Cancel();
};
AppDomain.CurrentDomain.ProcessExit += (_, _) => stop.Cancel();

var run = exporter.RunAsync(stop.Token);
Console.WriteLine($"READY {nodeId}");
string? offered = null;
try
{
    while (!stop.IsCancellationRequested)
    {
        if (File.Exists(configFile))
        {
            var payload = await File.ReadAllBytesAsync(configFile, stop.Token);
            var hash = Sha256Hex.Of(payload);
            if (hash != offered)
            {
                offered = hash;
                exporter.Offer(payload);
            }
        }

        await Task.Delay(50, stop.Token);
    }
}
catch (OperationCanceledException)
{
}

try
{
    await run;
}
catch (OperationCanceledException)
{
}

await exporter.ResignAsync(CancellationToken.None);
return 0;
