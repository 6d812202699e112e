using Microsoft.Extensions.Options;

namespace Resilience.ControlPlane;

/// <summary>Attribute rules of <see cref="DataPlaneHubOptions"/> (source-generated).</summary>
[OptionsValidator]
internal sealed partial class DataPlaneHubOptionsValidator : IValidateOptions<DataPlaneHubOptions>
{
}

/// <summary>Rules that span fields of <see cref="DataPlaneHubOptions"/>.</summary>
internal sealed class DataPlaneHubCrossFieldValidator : IValidateOptions<DataPlaneHubOptions>
{
    public ValidateOptionsResult Validate(string? name, DataPlaneHubOptions options)
    {
        var builder = new ValidateOptionsResultBuilder();
        if (options.AuthenticationMode == DataPlaneAuthenticationMode.Pinned
            && options.PinnedCertificates.Count == 0 && string.IsNullOrWhiteSpace(options.PinnedCertificatesPath))
        {
            builder.AddError("is required in pinned mode: no data plane could connect", nameof(options.PinnedCertificatesPath));
        }

        if (options.AuthenticationMode == DataPlaneAuthenticationMode.Pki
            && options.TrustedCaCertificates.Count == 0 && string.IsNullOrWhiteSpace(options.TrustedCaPath))
        {
            builder.AddError("is required in PKI mode: no data plane could connect", nameof(options.TrustedCaPath));
        }

        if (options.PinnedCertificatesPath is { Length: > 0 } pinned && !File.Exists(pinned))
        {
            builder.AddError($"'{pinned}' does not exist", nameof(options.PinnedCertificatesPath));
        }

        if (options.TrustedCaPath is { Length: > 0 } ca && !File.Exists(ca))
        {
            builder.AddError($"'{ca}' does not exist", nameof(options.TrustedCaPath));
        }

        if (options.SigningKeyPath is { Length: > 0 } keyPath)
        {
            ValidateSigningKey(keyPath, builder);
        }

        return builder.Build();
    }

    private static void ValidateSigningKey(string path, ValidateOptionsResultBuilder builder)
    {
        if (!File.Exists(path))
        {
            builder.AddError($"'{path}' does not exist", nameof(DataPlaneHubOptions.SigningKeyPath));
        }
        else if (EcdsaPem.Problem(File.ReadAllText(path)) is { } problem)
        {
            builder.AddError($"'{path}' cannot be the signing key: {problem}", nameof(DataPlaneHubOptions.SigningKeyPath));
        }
    }
}
