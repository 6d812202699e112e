namespace Resilience.Yarp;

/// <summary>
/// Makes each valid configuration the baseline of the next check: its unchanged routes and clusters are taken as the
/// instances that passed (every route's cluster is still checked against the new document's clusters). Holds one
/// configuration, its bytes copied (the caller's buffer is its own) and its parsed model.
/// </summary>
internal sealed class LastValidBaselineValidator(ReverseProxyConfigValidator inner, ProxyConfigReuse reuse) : IDataPlaneConfigValidator
{
    public async ValueTask<ConfigValidationResult> ValidateAsync(ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        var result = await inner.ValidateAsync(payload, cancellationToken).ConfigureAwait(false);
        if (result.IsValid && result.Model is ReverseProxyConfig { Sources: not null } model)
        {
            reuse.Baseline = new ProxyConfigBaseline(payload.ToArray(), model);
        }

        return result;
    }
}
