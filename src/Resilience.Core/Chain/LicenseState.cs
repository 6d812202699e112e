namespace Resilience;

/// <summary>The licence this node holds, as shown in <see cref="DataPlaneState.License"/>.</summary>
/// <param name="Subject">Whom the licence was issued to.</param>
/// <param name="ExpiresAt">When it expires.</param>
/// <param name="IsExpired">Whether it has expired.</param>
/// <param name="ServingStopped">Whether the node stopped serving because of it (<see cref="DataPlaneResilienceOptions.StopServingOnLicenseExpiry"/>).</param>
public sealed record LicenseState(string Subject, DateTimeOffset ExpiresAt, bool IsExpired, bool ServingStopped);
