using Microsoft.Extensions.Options;

namespace Resilience.Storage.Azure;

/// <summary>Attribute rules (source-generated).</summary>
[OptionsValidator]
internal sealed partial class AzureFallbackStoreOptionsAttributeValidator : IValidateOptions<AzureFallbackStoreOptions>
{
}

/// <summary>
/// Validates <see cref="AzureFallbackStoreOptions"/> at start-up: attributes, the retry rules every store shares, and
/// one way to name the account (a connection string, a SAS URI or an account name and endpoint), never two.
/// </summary>
internal sealed class AzureFallbackStoreOptionsValidator() : CloudStoreOptionsValidator<AzureFallbackStoreOptions>(new AzureFallbackStoreOptionsAttributeValidator())
{
    protected override void AddStoreRules(ValidateOptionsResultBuilder builder, AzureFallbackStoreOptions options)
    {
        RequireHttpUrl(builder, options.Endpoint, nameof(options.Endpoint));
        var ways = new List<string>();
        if (options.ConnectionString is { Length: > 0 })
        {
            ways.Add(nameof(options.ConnectionString));
        }

        if (options.SasUri is { Length: > 0 } sas)
        {
            ways.Add(nameof(options.SasUri));

            // The value is a secret: the message names what is wrong, never the value.
            if (!Uri.TryCreate(sas, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            {
                builder.AddError("is not an absolute http:// or https:// URL", nameof(options.SasUri));
            }
            else if (!uri.Query.Contains("sig=", StringComparison.Ordinal))
            {
                builder.AddError("carries no shared access signature (no sig= in its query)", nameof(options.SasUri));
            }
        }

        if (options.AccountName is { Length: > 0 } || options.Endpoint is { Length: > 0 })
        {
            ways.Add(options.AccountName is { Length: > 0 } ? nameof(options.AccountName) : nameof(options.Endpoint));
        }

        if (ways.Count > 1)
        {
            builder.AddError($"name the account one way only; {string.Join(" and ", ways)} are both set", ways[1]);
        }

        if (options.AccountKey is { Length: > 0 } key)
        {
            if (options.AccountName is not { Length: > 0 } && options.Endpoint is not { Length: > 0 })
            {
                builder.AddError("needs AccountName (or Endpoint)", nameof(options.AccountKey));
            }
            else if (!IsBase64(key))
            {
                builder.AddError("is not base64 (an account key from the portal or 'az storage account keys list')", nameof(options.AccountKey));
            }

            if (options.Credential is not null)
            {
                builder.AddError("and Credential are both set; use one", nameof(options.AccountKey));
            }
        }

        if (options.AccountKey is not { Length: > 0 } && options.Endpoint is { Length: > 0 } plain
            && Uri.TryCreate(plain, UriKind.Absolute, out var endpoint) && endpoint.Scheme == "http")
        {
            // The SDK sends Microsoft Entra ID tokens over TLS only.
            builder.AddError($"'{plain}' is http://; a token credential ({(options.Credential is null ? "DefaultAzureCredential" : "Credential")}) needs https:// (or set AccountKey, ConnectionString or SasUri)", nameof(options.Endpoint));
        }

        if (options.Credential is not null && options.AccountName is not { Length: > 0 } && options.Endpoint is not { Length: > 0 })
        {
            builder.AddError("needs AccountName or Endpoint (a token credential names no account)", nameof(options.Credential));
        }
    }

    private static bool IsBase64(string value)
    {
        var buffer = new byte[value.Length];
        return Convert.TryFromBase64String(value, buffer, out _);
    }
}
