namespace Resilience;

/// <summary>
/// What a licence may do to the data plane: show its state (<see cref="DataPlaneState.License"/>) and stop or resume
/// serving. The chain offers it and knows nothing of licences beyond that; the licensing piece (LicenseMonitor) uses it.
/// </summary>
internal interface ILicensedServing
{
    /// <summary>Publishes the licence's state; serving stops while <see cref="LicenseState.ServingStopped"/> is set, and resumes after.</summary>
    /// <param name="state">The licence's state now.</param>
    void ReportLicense(LicenseState state);
}
