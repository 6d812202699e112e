namespace Resilience;

/// <summary>
/// Every registered <see cref="IDataPlaneConfigValidator"/>, in registration order, as one step of the pipeline, the
/// way YARP's <c>ConfigValidator</c> runs every route and cluster validator: each one runs (a refusal or an exception
/// does not stop the others), the configuration passes only when all pass, the errors of all are collected, and the
/// first validator that returns a model provides it. With none registered every JSON object passes.
/// </summary>
internal sealed class ConfigValidators
{
    private readonly IDataPlaneConfigValidator[] _validators;

    /// <summary>Created by the container from every registered validator, in registration order.</summary>
    public ConfigValidators(IEnumerable<IDataPlaneConfigValidator> validators)
    {
        ArgumentNullException.ThrowIfNull(validators);
        _validators = [.. validators];
    }

    /// <summary>Gets the validators, in the order they run.</summary>
    public IReadOnlyList<IDataPlaneConfigValidator> Validators => _validators;

    /// <summary>Runs every validator on <paramref name="payload"/>.</summary>
    /// <param name="payload">The configuration.</param>
    /// <param name="cancellationToken">Cancels the validation; its cancellation is the one exception that escapes.</param>
    /// <returns>The verdict of all of them.</returns>
    public async ValueTask<Verdict> ValidateAsync(ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        object? model = null;
        List<string>? errors = null;
        Exception? firstFailure = null;
        foreach (var validator in _validators)
        {
            ConfigValidationResult result;
            try
            {
                result = await validator.ValidateAsync(payload, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                throw;
            }
            catch (Exception ex)
            {
                // An edge: the host's code. Its exception is an error like any other, and the next validator still runs.
                firstFailure ??= ex;
                (errors ??= []).Add(_validators.Length == 1
                    ? $"the validator threw {ex.GetType().Name}: {ex.Message}"
                    : $"the validator {validator.GetType().Name} threw {ex.GetType().Name}: {ex.Message}");
                continue;
            }

            if (result is null)
            {
                (errors ??= []).Add($"the validator {validator.GetType().Name} returned no result");
                continue;
            }

            if (!result.IsValid)
            {
                (errors ??= []).AddRange(result.Errors);
            }
            else
            {
                model ??= result.Model;
            }
        }

        return new Verdict(errors is null ? model : null, (IReadOnlyList<string>?)errors ?? [], firstFailure);
    }

    /// <summary>What every validator said together.</summary>
    /// <param name="Model">The first model a passing validator returned; <see langword="null"/> when none did or the configuration failed.</param>
    /// <param name="Errors">Every error, in validator order; empty when the configuration passed.</param>
    /// <param name="Failure">The first exception a validator threw, if any (the configuration then failed).</param>
    internal readonly record struct Verdict(object? Model, IReadOnlyList<string> Errors, Exception? Failure)
    {
        /// <summary>Gets a value indicating whether every validator passed.</summary>
        public bool IsValid => Errors.Count == 0;
    }
}
