using System.Diagnostics;

namespace Resilience.Samples.Demo;

/// <summary>One step of the walk-through: its traffic, what each node served, and every expectation that did not hold.</summary>
internal sealed class Phase(string title)
{
    private readonly Stopwatch _elapsed = Stopwatch.StartNew();
    private readonly List<string> _problems = [];

    public string Title => title;

    public TimeSpan Duration { get; private set; }

    public int Ok { get; private set; }

    public int Total { get; private set; }

    /// <summary>Gets the requests that failed where the phase serves a bad configuration on purpose: measured, not a problem.</summary>
    public int Failed { get; private set; }

    public string Serving { get; set; } = "-";

    /// <summary>Gets or sets what the phase measured, printed under the timeline.</summary>
    public string? Note { get; set; }

    public bool Ran { get; private set; } = true;

    public IReadOnlyList<string> Problems => _problems;

    public bool Passed => Ran && _problems.Count == 0 && Total > 0 && Ok + Failed == Total;

    public static Phase NotRun(string title) => new(title) { Ran = false };

    public void Expect(bool condition, string problem)
    {
        if (!condition)
        {
            _problems.Add(problem);
        }
    }

    /// <summary>Counts requests; a request is ok when it succeeded and was routed by an acceptable configuration.</summary>
    public void Count(IEnumerable<ProxiedResponse> responses, Func<ProxiedResponse, bool> acceptable)
    {
        foreach (var response in responses)
        {
            Total++;
            if (response.Succeeded && acceptable(response))
            {
                Ok++;
            }
            else if (_problems.Count < 20)
            {
                _problems.Add($"request via {response.Node.Name}: status {response.Status}, config {response.Version ?? "-"}");
            }
        }
    }

    /// <summary>
    /// Counts requests of a phase that serves a bad configuration on purpose: a failed request is measured (<see cref="Failed"/>)
    /// when <paramref name="mayFail"/> says it may fail (through the nodes the bad configuration may reach), else a problem.
    /// </summary>
    public void Count(IEnumerable<ProxiedResponse> responses, Func<ProxiedResponse, bool> acceptable, Func<ProxiedResponse, bool> mayFail)
    {
        foreach (var response in responses)
        {
            if (!response.Succeeded && mayFail(response))
            {
                Total++;
                Failed++;
                continue;
            }

            Count([response], acceptable);
        }
    }

    public void Finish() => Duration = _elapsed.Elapsed;
}

/// <summary>Prints the phases as a table.</summary>
internal static class Timeline
{
    public static void Print(IReadOnlyList<Phase> phases)
    {
        var titleWidth = Math.Max(5, phases.Max(p => p.Title.Length));
        var servingWidth = Math.Max(21, phases.Max(p => p.Serving.Length));
        Console.WriteLine();
        Console.WriteLine("timeline");
        Console.WriteLine($"{"phase".PadRight(titleWidth)}  {"time",7}  {"requests ok",22}  {"serving (node=tier/config)".PadRight(servingWidth)}  result");
        Console.WriteLine(new string('-', titleWidth + servingWidth + 49));
        foreach (var phase in phases)
        {
            var time = phase.Ran ? $"{phase.Duration.TotalSeconds:F1} s" : "-";
            var requests = !phase.Ran ? "-" : phase.Failed > 0 ? $"{phase.Ok}/{phase.Total} ({phase.Failed} failed)" : $"{phase.Ok}/{phase.Total}";
            var result = !phase.Ran ? "not run" : phase.Passed ? "ok" : "FAIL";
            Console.WriteLine($"{phase.Title.PadRight(titleWidth)}  {time,7}  {requests,22}  {phase.Serving.PadRight(servingWidth)}  {result}");
        }

        foreach (var phase in phases.Where(p => p.Note is not null))
        {
            Console.WriteLine($"{phase.Title[..phase.Title.IndexOf('.', StringComparison.Ordinal)]}. {phase.Note}");
        }

        Console.WriteLine();
    }
}
