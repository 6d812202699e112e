using System.Reflection;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Resilience;

/// <summary>
/// Resolves this node's identity once: the configured id, else an id created on first start and
/// kept in the data directory (so a restarted node keeps it); the version defaults to the entry assembly's.
/// A data directory that cannot be written (read-only, no permission) never fails start-up: the id is then held in
/// memory for this run (event 1040, <see cref="NodeIdentity.IsPersisted"/> false, and in <see cref="LocalWriteStatus"/>).
/// </summary>
internal sealed class NodeIdentityProvider
{
    internal const string NodeIdFileName = "node-id";
    private readonly Lazy<NodeIdentity> _identity;
    private readonly LocalWriteStatus? _writes;
    private readonly ILogger _logger;

    public NodeIdentityProvider(IOptions<DataPlaneResilienceOptions> options, LocalWriteStatus? writes = null, ILogger<NodeIdentityProvider>? logger = null)
    {
        _writes = writes;
        _logger = logger ?? (ILogger)NullLogger.Instance;
        _identity = new Lazy<NodeIdentity>(() => Resolve(options.Value), LazyThreadSafetyMode.ExecutionAndPublication);
    }

    public NodeIdentity Identity => _identity.Value;

    internal static string DefaultVersion()
    {
        var version = Assembly.GetEntryAssembly()?.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;
        return string.IsNullOrWhiteSpace(version) ? "0.0.0" : Normalize(version);
    }

    /// <summary>
    /// The one rule for every node version, configured or default: trimmed, with semantic-versioning build metadata
    /// (<c>+...</c>, such as SourceLink's <c>+commit</c>) dropped, since it does not change what the node serves.
    /// <c>3.6.1+build.7</c> and <c>3.6.1</c> share their fallback-store keys; a pre-release (<c>3.6.1-rc.1</c>) does not.
    /// </summary>
    internal static string Normalize(string version)
    {
        var trimmed = version.Trim();
        var plus = trimmed.IndexOf('+', StringComparison.Ordinal);
        return plus > 0 ? trimmed[..plus] : trimmed;
    }

    /// <summary>The id kept in the data directory, created there on first use; null when it cannot be written (then <paramref name="created"/> is the id to hold in memory).</summary>
    internal static string? LoadOrCreateNodeId(string dataDirectory, out string created, out string? failure)
    {
        var path = Path.Combine(dataDirectory, NodeIdFileName);
        failure = null;
        created = Guid.NewGuid().ToString("N");
        try
        {
            if (File.Exists(path))
            {
                var existing = File.ReadAllText(path, Encoding.UTF8).Trim();
                if (existing.Length is > 0 and <= 128)
                {
                    return existing;
                }
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            failure = $"unreadable: {ex.Message}";
        }

        try
        {
            Directory.CreateDirectory(dataDirectory);
            AtomicFile.Write(path, Encoding.UTF8.GetBytes(created));
            return created;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            failure = failure is null ? ex.Message : $"{failure}; {ex.Message}";
            return null;
        }
    }

    private NodeIdentity Resolve(DataPlaneResilienceOptions options)
    {
        var version = string.IsNullOrWhiteSpace(options.NodeVersion) ? DefaultVersion() : Normalize(options.NodeVersion!);
        var labels = new Dictionary<string, string>(options.Labels, StringComparer.Ordinal);
        if (!string.IsNullOrWhiteSpace(options.NodeId))
        {
            return new NodeIdentity(options.NodeId!, Environment.MachineName, version, labels);
        }

        if (LoadOrCreateNodeId(options.DataDirectory, out var created, out var failure) is { } kept)
        {
            if (failure is not null)
            {
                Log.NodeIdUnreadable(_logger, Path.GetFullPath(Path.Combine(options.DataDirectory, NodeIdFileName)), failure);
            }

            _writes?.MarkWritten(LocalWriteStatus.NodeId);
            return new NodeIdentity(kept, Environment.MachineName, version, labels);
        }

        var path = Path.GetFullPath(Path.Combine(options.DataDirectory, NodeIdFileName));
        Log.NodeIdInMemory(_logger, path, failure ?? "unknown", created);
        _writes?.MarkNotWritten(LocalWriteStatus.NodeId, path, $"{failure}; the node id {created} is held in memory and changes on restart");
        return new NodeIdentity(created, Environment.MachineName, version, labels) { IsPersisted = false };
    }
}
