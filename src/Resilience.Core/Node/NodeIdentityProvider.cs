using System.Reflection;
using System.Text;
using Microsoft.Extensions.Options;

namespace Resilience;

/// <summary>
/// Resolves this node's identity once: the configured id, else an id created on first start and
/// kept in the data directory (so a restarted node keeps it); the version defaults to the entry assembly's.
/// </summary>
internal sealed class NodeIdentityProvider
{
    internal const string NodeIdFileName = "node-id";
    private readonly Lazy<NodeIdentity> _identity;

    public NodeIdentityProvider(IOptions<DataPlaneResilienceOptions> options)
    {
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

    internal static string LoadOrCreateNodeId(string dataDirectory)
    {
        Directory.CreateDirectory(dataDirectory);
        var path = Path.Combine(dataDirectory, NodeIdFileName);
        if (File.Exists(path))
        {
            var existing = File.ReadAllText(path, Encoding.UTF8).Trim();
            if (existing.Length is > 0 and <= 128)
            {
                return existing;
            }
        }

        var id = Guid.NewGuid().ToString("N");
        AtomicFile.Write(path, Encoding.UTF8.GetBytes(id));
        return id;
    }

    private static NodeIdentity Resolve(DataPlaneResilienceOptions options)
    {
        var id = string.IsNullOrWhiteSpace(options.NodeId) ? LoadOrCreateNodeId(options.DataDirectory) : options.NodeId!;
        var version = string.IsNullOrWhiteSpace(options.NodeVersion) ? DefaultVersion() : Normalize(options.NodeVersion!);
        return new NodeIdentity(id, Environment.MachineName, version, new Dictionary<string, string>(options.Labels, StringComparer.Ordinal));
    }
}
