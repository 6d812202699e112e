using System.Security.Cryptography;
using Microsoft.Extensions.Options;

namespace Resilience.ControlPlane;

/// <summary>This replica's id, fixed for the life of the process.</summary>
internal sealed class ReplicaIdentity(IOptions<ControlPlaneBackplaneOptions> options)
{
    /// <summary>Gets the configured id, or the host name and a random suffix (two replicas on one host differ).</summary>
    public string Id { get; } = string.IsNullOrWhiteSpace(options.Value.ReplicaId)
        ? $"{Environment.MachineName}-{Convert.ToHexString(RandomNumberGenerator.GetBytes(4)).ToLowerInvariant()}"
        : options.Value.ReplicaId!;
}
