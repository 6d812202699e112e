namespace Resilience;

/// <summary>What the host's validator says of a configuration: valid (with an optional parsed model) or a list of errors.</summary>
public sealed class ConfigValidationResult
{
    private static readonly ConfigValidationResult ValidWithoutModel = new(null, []);

    private ConfigValidationResult(object? model, IReadOnlyList<string> errors)
    {
        Model = model;
        Errors = errors;
    }

    /// <summary>Gets a value indicating whether the configuration may be served.</summary>
    public bool IsValid => Errors.Count == 0;

    /// <summary>Gets the model parsed while validating, kept on the snapshot so that nothing parses per read.</summary>
    public object? Model { get; }

    /// <summary>Gets every problem found; empty when valid.</summary>
    public IReadOnlyList<string> Errors { get; }

    /// <summary>A valid configuration.</summary>
    /// <param name="model">The parsed model to keep on the snapshot, if any.</param>
    /// <returns>The result.</returns>
    public static ConfigValidationResult Valid(object? model = null) => model is null ? ValidWithoutModel : new(model, []);

    /// <summary>An invalid configuration.</summary>
    /// <param name="errors">Every problem found; at least one.</param>
    /// <returns>The result.</returns>
    public static ConfigValidationResult Invalid(params string[] errors) => Invalid((IReadOnlyList<string>)errors);

    /// <summary>An invalid configuration.</summary>
    /// <param name="errors">Every problem found; at least one.</param>
    /// <returns>The result.</returns>
    public static ConfigValidationResult Invalid(IReadOnlyList<string> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        if (errors.Count == 0)
        {
            throw new ArgumentException("An invalid result needs at least one error.", nameof(errors));
        }

        return new(null, errors);
    }
}
