using Microsoft.Extensions.Logging;

namespace Resilience.ControlPlane;

/// <summary>
/// Runs every validator registered on the control plane, in order, on a configuration before it is published: all
/// must pass, every error is collected, and a refused configuration is published nowhere (a node would refuse it and
/// keep serving the old one, and the operator would hear of it only from the nodes' reports).
/// </summary>
internal sealed class PrePublishValidation(IEnumerable<HubConfigValidator> validators, ILogger<PrePublishValidation> logger)
{
    private readonly HubConfigValidator[] _validators = validators.ToArray();

    /// <summary>Gets how many validators run before a publish.</summary>
    public int Count => _validators.Length;

    /// <exception cref="ConfigValidationException">A validator refused the configuration or threw.</exception>
    public async ValueTask ValidateAsync(ReadOnlyMemory<byte> json, string hash, CancellationToken cancellationToken)
    {
        if (_validators.Length == 0)
        {
            return;
        }

        var errors = new List<string>();
        var reason = RejectionReason.ValidatorRejected;
        foreach (var registered in _validators)
        {
            try
            {
                var verdict = await registered.Validator.ValidateAsync(json, cancellationToken).ConfigureAwait(false);
                if (!verdict.IsValid)
                {
                    errors.AddRange(verdict.Errors);
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                // A validator of the host's that throws refuses the publish as it would refuse the apply on a node.
                reason = RejectionReason.ValidatorFailed;
                errors.Add($"the validator {registered.Validator.GetType().Name} threw {ex.GetType().Name}: {ex.Message}");
            }
        }

        if (errors.Count == 0)
        {
            Log.PrePublishValidated(logger, hash, _validators.Length);
            return;
        }

        Log.PublishRefusedByValidator(logger, hash, reason, errors.Count, string.Join("; ", errors));
        throw new ConfigValidationException(reason, hash, errors);
    }
}
