namespace Resilience;

/// <summary>
/// Where a licence sent by the control plane arrives on the node (a link package calls it when a <c>license</c>
/// message comes in). The node checks it (signature, when a signing key is configured), stores it beside the cache
/// and applies it; a refused licence is logged and counted, and the held one stays.
/// </summary>
public interface ILicenseReceiver
{
    /// <summary>Accepts a licence from the control plane.</summary>
    /// <param name="payload">The licence JSON, the exact bytes its signature covers.</param>
    /// <param name="signature">The base64 signature, or <see langword="null"/> when unsigned.</param>
    /// <param name="cancellationToken">Cancels the write of the stored licence.</param>
    /// <returns>Whether it was accepted.</returns>
    ValueTask<bool> AcceptFromControlPlaneAsync(ReadOnlyMemory<byte> payload, string? signature, CancellationToken cancellationToken);
}
