namespace Resilience;

/// <summary>A validated configuration offered for export: the served payload and its hash.</summary>
/// <param name="Payload">The configuration as UTF-8 JSON.</param>
/// <param name="Hash">Its <see cref="ConfigHash"/>.</param>
internal sealed record ExportCandidate(ReadOnlyMemory<byte> Payload, string Hash);
