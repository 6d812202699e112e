using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Resilience;

/// <summary>
/// Warns (event 1200) when the reference's variables (<c>KONG_CLUSTER_FALLBACK_CONFIG_STORAGE</c>, <c>_IMPORT</c>,
/// <c>_EXPORT</c>) are set but the options in force disagree with them, so they would be ignored: the library
/// reads its own names (<c>Resilience__FallbackStore__Storage</c>, ...), and a node set up from a copied compose
/// file must not go to no storage, or the wrong one, in silence.
/// </summary>
internal sealed class FallbackStoreOptionsEnvironmentCheck : IPostConfigureOptions<FallbackStoreOptions>
{
    internal const string ReferencePrefix = "KONG_CLUSTER_FALLBACK_CONFIG_";
    private readonly string _variablePrefix;
    private readonly ILogger _logger;
    private readonly Func<string, string?> _environment;
    private int _checked;

    /// <param name="sectionPath">The path of the section given to <c>AddDataPlaneResilience</c> (for example <c>Resilience</c>), or <see langword="null"/>.</param>
    /// <param name="loggerFactory">Where the warning goes.</param>
    /// <param name="environment">Reads a variable; the process environment by default.</param>
    public FallbackStoreOptionsEnvironmentCheck(string? sectionPath, ILoggerFactory? loggerFactory, Func<string, string?>? environment = null)
    {
        _variablePrefix = sectionPath is { Length: > 0 } path ? path.Replace(":", "__", StringComparison.Ordinal) + "__FallbackStore__" : "Resilience__FallbackStore__";
        _logger = loggerFactory?.CreateLogger<FallbackStoreOptions>() ?? (ILogger)NullLogger.Instance;
        _environment = environment ?? Environment.GetEnvironmentVariable;
    }

    public void PostConfigure(string? name, FallbackStoreOptions options)
    {
        // IOptions, IOptionsMonitor and IOptionsSnapshot each build the options: report once.
        if (Interlocked.Exchange(ref _checked, 1) == 1)
        {
            return;
        }

        if (_environment(ReferencePrefix + "STORAGE") is { Length: > 0 } storage && !string.Equals(storage.Trim(), options.Storage?.Trim(), StringComparison.Ordinal))
        {
            Log.ReferenceVariableIgnored(_logger, ReferencePrefix + "STORAGE", storage, _variablePrefix + nameof(FallbackStoreOptions.Storage), options.Storage ?? "(none: the tier is off)");
        }

        Check("IMPORT", nameof(FallbackStoreOptions.Import), options.Import);
        Check("EXPORT", nameof(FallbackStoreOptions.Export), options.Export);
    }

    private void Check(string suffix, string option, bool inForce)
    {
        if (_environment(ReferencePrefix + suffix) is { Length: > 0 } value && FallbackStoreOptionsSwitches.Parse(value) != inForce)
        {
            Log.ReferenceVariableIgnored(_logger, ReferencePrefix + suffix, value, _variablePrefix + option, inForce ? "on" : "off");
        }
    }
}
