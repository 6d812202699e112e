namespace Resilience.Yarp;

/// <summary>
/// The configuration YARP routes with and the bytes it was parsed from (the served snapshot's payload): what the next
/// document is compared with, so that unchanged routes and clusters keep their instances.
/// </summary>
/// <param name="Payload">The served snapshot's UTF-8 JSON, from which <paramref name="Model"/> was parsed.</param>
/// <param name="Model">The served model.</param>
internal sealed record ProxyConfigBaseline(ReadOnlyMemory<byte> Payload, ReverseProxyConfig Model);
