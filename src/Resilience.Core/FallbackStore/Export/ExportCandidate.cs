namespace Resilience;

/// <summary>A validated configuration offered for export: the served payload, its hash and the control plane's signature.</summary>
/// <param name="Payload">The configuration as UTF-8 JSON.</param>
/// <param name="Hash">Its <see cref="ConfigHash"/>.</param>
/// <param name="Signature">The control plane's signature, when it signs configurations; exported so importers can check it.</param>
internal sealed record ExportCandidate(ReadOnlyMemory<byte> Payload, string Hash, string? Signature = null);
