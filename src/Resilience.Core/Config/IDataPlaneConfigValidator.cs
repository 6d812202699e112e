namespace Resilience;

/// <summary>
/// One check of a configuration, run before it can be served. Every validator registered with
/// <c>UseValidator</c> (and those packages register, such as <c>LoadFromDataPlane()</c>) runs, in registration order,
/// on every configuration: all must pass, the errors of all are collected, and the first one that returns a model
/// provides the model the snapshot carries. A validator never replaces another.
/// </summary>
/// <remarks>
/// Named so that a file can use it beside YARP's <c>Yarp.ReverseProxy.Configuration.IConfigValidator</c> (which
/// checks one route or cluster) without an alias.
/// </remarks>
public interface IDataPlaneConfigValidator
{
    /// <summary>Validates (and optionally parses) a configuration.</summary>
    /// <param name="payload">The configuration as UTF-8 JSON; already known to be well-formed JSON (comments and trailing commas allowed, as in appsettings files).</param>
    /// <param name="cancellationToken">Cancels the validation.</param>
    /// <returns>Valid, with an optional model, or every error found.</returns>
    ValueTask<ConfigValidationResult> ValidateAsync(ReadOnlyMemory<byte> payload, CancellationToken cancellationToken);
}
