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
        if (string.IsNullOrWhiteSpace(version))
        {
            return "0.0.0";
        }

        // Drop SourceLink's "+commit" build metadata: a rebuild of the same version shares its store keys.
        var plus = version.IndexOf('+', StringComparison.Ordinal);
        return plus > 0 ? version[..plus] : version;
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
        var version = string.IsNullOrWhiteSpace(options.NodeVersion) ? DefaultVersion() : options.NodeVersion!;
        return new NodeIdentity(id, Environment.MachineName, version, new Dictionary<string, string>(options.Labels, StringComparer.Ordinal));
    }
}
