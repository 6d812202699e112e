using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;

namespace Resilience.Yarp.Tests;

/// <summary>How the data plane's reading of a document compares with YARP's own.</summary>
public enum Agreement
{
    /// <summary>Both serve it, and the routes and clusters are the same.</summary>
    Same,

    /// <summary>Both refuse it.</summary>
    BothRefuse,

    /// <summary>YARP would serve it; the data plane refuses it by a documented rule (<see cref="StricterRules"/>).</summary>
    Stricter,

    /// <summary>Anything else: a defect.</summary>
    Diverged,
}

/// <summary>One document read by both loaders.</summary>
internal sealed record LoaderComparison(Agreement Agreement, LoadOutcome Yarp, LoadOutcome Ours, string? Difference)
{
    private static readonly Regex Rule = new(@"\[rule: ([a-z-]+)\]$", RegexOptions.CultureInvariant);

    /// <summary>Gets the rules our refusal names (each error must name one for <see cref="Agreement.Stricter"/>).</summary>
    public IEnumerable<string> Rules => Ours.AllErrors.Select(e => Rule.Match(e)).Where(m => m.Success).Select(m => m.Groups[1].Value).Distinct();

    /// <summary>
    /// Reads the document with both. Whatever the verdicts, the routes and clusters both built must be the same (so
    /// a document YARP's validators refuse still shows how it was read); then both serve it, both refuse it, or we
    /// refuse what YARP would serve by a named rule.
    /// </summary>
    public static LoaderComparison Compare(byte[] json, DataPlaneLoader ours, Action<IReverseProxyBuilder>? configureYarp = null)
    {
        var yarp = YarpLoader.Load(json, configureYarp);
        var mine = ours.Load(json);
        if (yarp.Loaded && mine.Loaded)
        {
            var expected = CanonicalConfig.Of(yarp.Routes!, yarp.Clusters!);
            var actual = CanonicalConfig.Of(mine.Routes!, mine.Clusters!);
            if (expected != actual)
            {
                return new(Agreement.Diverged, yarp, mine, $"read differently.\nYARP:\n{expected}\nours:\n{actual}");
            }
        }
        else if (!yarp.Loaded && mine.Loaded)
        {
            return new(Agreement.Diverged, yarp, mine, $"YARP's loader refuses it ({yarp.LoadError}); our parser reads it");
        }
        else if (yarp.Loaded && !Named(mine.LoadError!))
        {
            return new(Agreement.Diverged, yarp, mine, $"YARP's loader reads it; our parser refuses it without naming a rule: {mine.LoadError}");
        }

        if (yarp.Accepted && mine.Accepted)
        {
            return new(Agreement.Same, yarp, mine, null);
        }

        if (!yarp.Accepted && !mine.Accepted)
        {
            return new(Agreement.BothRefuse, yarp, mine, null);
        }

        if (yarp.Accepted)
        {
            // Stricter only by a named rule: every error (but the "... and N more" line) names one.
            var named = mine.AllErrors.All(e => e.StartsWith("... and ", StringComparison.Ordinal) || Named(e));
            return named
                ? new(Agreement.Stricter, yarp, mine, null)
                : new(Agreement.Diverged, yarp, mine, $"YARP serves it; we refuse without naming a rule: {string.Join(" | ", mine.AllErrors)}");
        }

        return new(Agreement.Diverged, yarp, mine, $"YARP refuses it ({string.Join(" | ", yarp.AllErrors)}); we serve it");
    }

    private static bool Named(string error) => Rule.Match(error) is { Success: true } match && StricterRules.All.Contains(match.Groups[1].Value);

    public string Describe(byte[] json) => new StringBuilder()
        .Append(Agreement).Append(": ").AppendLine(Difference)
        .Append("YARP: ").AppendLine(Yarp.Accepted ? "serves it" : string.Join(" | ", Yarp.AllErrors))
        .Append("ours: ").AppendLine(Ours.Accepted ? "serves it" : string.Join(" | ", Ours.AllErrors))
        .AppendLine(Encoding.UTF8.GetString(json))
        .ToString();
}
