using System.ComponentModel.DataAnnotations;
using Azure.Core;

namespace Resilience.Storage.Azure;

/// <summary>
/// Settings of the Azure Blob Storage fallback store. The container and prefix come from the storage URI
/// (<c>azure://container/prefix</c>); the account and credentials, in this order, from a <c>BlobServiceClient</c>
/// registered in the container, <see cref="Credential"/>, <see cref="ConnectionString"/>, <see cref="SasUri"/>,
/// <see cref="AccountName"/> (or <see cref="Endpoint"/>) with <see cref="AccountKey"/> or else
/// <c>DefaultAzureCredential</c>, then the environment: <c>AZURE_STORAGE_CONNECTION_STRING</c>, else
/// <c>AZURE_STORAGE_ACCOUNT</c> with <c>DefaultAzureCredential</c>.
/// </summary>
public sealed class AzureFallbackStoreOptions : FallbackStoreRetryOptions
{
    /// <summary>The environment variable holding a storage connection string (the Azure CLI's and SDK samples' name).</summary>
    public const string ConnectionStringEnvironmentVariable = "AZURE_STORAGE_CONNECTION_STRING";

    /// <summary>The environment variable naming the storage account, used with <c>DefaultAzureCredential</c> (the Azure CLI's name).</summary>
    public const string AccountNameEnvironmentVariable = "AZURE_STORAGE_ACCOUNT";

    /// <summary>
    /// Gets or sets a storage connection string (<c>DefaultEndpointsProtocol=https;AccountName=...;AccountKey=...</c>,
    /// <c>BlobEndpoint=...;SharedAccessSignature=...</c> or <c>UseDevelopmentStorage=true</c> for Azurite). Unset:
    /// the other settings, else <see cref="ConnectionStringEnvironmentVariable"/>. Never logged.
    /// </summary>
    public string? ConnectionString { get; set; }

    /// <summary>
    /// Gets or sets a shared access signature URI of the account's blob service
    /// (<c>https://account.blob.core.windows.net/?sv=...&amp;sig=...</c>) or of the container itself
    /// (<c>https://account.blob.core.windows.net/container?sv=...</c>, which must be the storage URI's container).
    /// The signature needs read, write, list and delete (and add/create) permissions. Never logged.
    /// </summary>
    public string? SasUri { get; set; }

    /// <summary>
    /// Gets or sets the storage account name; with no <see cref="Endpoint"/>, the blob endpoint is
    /// <c>https://&lt;account&gt;.blob.core.windows.net</c>. Credentials: <see cref="AccountKey"/> when set, else
    /// <see cref="Credential"/>, else <c>DefaultAzureCredential</c> (managed identity, workload identity, the
    /// <c>AZURE_CLIENT_*</c> environment variables, the Azure CLI, ...).
    /// </summary>
    public string? AccountName { get; set; }

    /// <summary>
    /// Gets or sets the blob service endpoint for a sovereign cloud, a private endpoint or Azurite
    /// (<c>https://account.blob.core.chinacloudapi.cn</c>, <c>http://127.0.0.1:10000/devstoreaccount1</c>). Unset:
    /// <c>https://&lt;AccountName&gt;.blob.core.windows.net</c>.
    /// </summary>
    public string? Endpoint { get; set; }

    /// <summary>Gets or sets the account's access key (base64), used with <see cref="AccountName"/> as a shared key credential. Never logged.</summary>
    public string? AccountKey { get; set; }

    /// <summary>
    /// Gets or sets a Microsoft Entra ID credential used with <see cref="AccountName"/> or <see cref="Endpoint"/>
    /// (for example a <c>ManagedIdentityCredential</c> with a client id); unset, <c>DefaultAzureCredential</c> is
    /// used. Not bound from configuration.
    /// </summary>
    public TokenCredential? Credential { get; set; }

    /// <summary>Gets or sets how many blobs one list request asks for. Default: 5000 (the service's maximum).</summary>
    [Range(1, 5000)]
    public int ListPageSize { get; set; } = 5000;
}
