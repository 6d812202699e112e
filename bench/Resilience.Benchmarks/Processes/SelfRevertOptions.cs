using System.Globalization;

namespace Resilience.Benchmarks.Processes;

/// <summary>
/// The command line of <c>self-revert</c>: <c>--runs N</c> (per variant, 3), <c>--workers N</c> (concurrent requests, 8),
/// <c>--observe S</c> (seconds observed after the bad file lands, 20), <c>--window S</c> and <c>--minimum N</c> (the bake's
/// detection window and minimum requests; the sample's own settings when absent), <c>--gateway-dll PATH</c>,
/// <c>--control-plane-dll PATH</c>.
/// </summary>
internal sealed class SelfRevertOptions
{
    public int Runs { get; private init; } = 3;

    public int Workers { get; private init; } = 8;

    public int ObserveSeconds { get; private init; } = 20;

    public TimeSpan? Window { get; private init; }

    public int? MinimumRequests { get; private init; }

    public string GatewayDll { get; private init; } = Sibling("../../../../../samples/Gateway/bin/Release/net10.0/Gateway.dll");

    public string ControlPlaneDll { get; private init; } = Sibling("../../../../../samples/ControlPlane/bin/Release/net10.0/ControlPlane.dll");

    public static SelfRevertOptions Parse(string[] args)
    {
        string? Value(string name) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault();
        int? Number(string name) => Value(name) is { } text ? int.Parse(text, CultureInfo.InvariantCulture) : null;
        var fallback = new SelfRevertOptions();
        var options = new SelfRevertOptions
        {
            Runs = Number("--runs") ?? fallback.Runs,
            Workers = Number("--workers") ?? fallback.Workers,
            ObserveSeconds = Number("--observe") ?? fallback.ObserveSeconds,
            Window = Number("--window") is { } seconds ? TimeSpan.FromSeconds(seconds) : null,
            MinimumRequests = Number("--minimum"),
            GatewayDll = Value("--gateway-dll") is { } gateway ? Path.GetFullPath(gateway) : fallback.GatewayDll,
            ControlPlaneDll = Value("--control-plane-dll") is { } controlPlane ? Path.GetFullPath(controlPlane) : fallback.ControlPlaneDll,
        };
        foreach (var dll in new[] { options.GatewayDll, options.ControlPlaneDll })
        {
            if (!File.Exists(dll))
            {
                throw new FileNotFoundException($"{dll} is missing: build the samples in Release first (bench/self-revert.sh does)", dll);
            }
        }

        return options;
    }

    private static string Sibling(string relative) => Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, relative));
}
