using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Resilience;

/// <summary>
/// AES-GCM sealing of cache entries, shared by every <see cref="IConfigCache"/> that encrypts at rest (the file
/// cache, LMDB, a cache of your own, configured by <see cref="CacheEncryptionOptions"/>). The sealed layout, version 1:
/// <code>
/// offset  size  field
/// 0       4     magic "RCE" + format version (0x01)
/// 4       4     key id: the first 4 bytes of SHA-256("resilience-cache-key-id" || key), big-endian
/// 8       12    nonce, random per write
/// 20      16    authentication tag
/// 36      n     ciphertext
/// </code>
/// The first 8 bytes are authenticated as associated data, so the version and key id cannot be
/// changed without detection. The key id lets a load tell "another key" from "altered".
/// </summary>
public sealed class CacheEncryption
{
    /// <summary>The environment variable read for the base64 key by default: <c>RESILIENCE_CACHE_KEY</c>.</summary>
    public const string DefaultKeyEnvironmentVariable = "RESILIENCE_CACHE_KEY";
    internal const byte FormatVersion = 1;
    internal const int HeaderSize = 8;
    internal const int NonceSize = 12;
    internal const int TagSize = 16;
    internal const int Overhead = HeaderSize + NonceSize + TagSize;
    private static ReadOnlySpan<byte> Magic => "RCE"u8;

    private readonly byte[] _key;
    private readonly Dictionary<uint, byte[]> _previousKeys = [];
    private readonly bool _requireEncrypted;

    /// <summary>Creates the sealing for a raw AES key.</summary>
    /// <param name="key">16, 24 or 32 bytes (AES-128, AES-192, AES-256).</param>
    /// <exception cref="ArgumentException">The key has another length.</exception>
    public CacheEncryption(byte[] key)
        : this(key, [])
    {
    }

    /// <summary>Creates the sealing for a raw AES key that also reads entries sealed with keys used before a rotation.</summary>
    /// <param name="key">16, 24 or 32 bytes (AES-128, AES-192, AES-256): seals every entry.</param>
    /// <param name="previousKeys">Keys used before: entries sealed with them are opened by <see cref="OpenStored"/>, never sealed.</param>
    /// <param name="requireEncrypted">Whether <see cref="OpenStored"/> refuses an unencrypted entry instead of migrating it.</param>
    /// <exception cref="ArgumentException">A key has another length.</exception>
    public CacheEncryption(byte[] key, IEnumerable<byte[]> previousKeys, bool requireEncrypted = false)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(previousKeys);
        CheckLength(key, nameof(key));
        _key = key;
        KeyId = ComputeKeyId(key);
        _requireEncrypted = requireEncrypted;
        foreach (var previous in previousKeys)
        {
            CheckLength(previous, nameof(previousKeys));
            _previousKeys.TryAdd(ComputeKeyId(previous), previous);
        }
    }

    /// <summary>Gets the key id stored in every sealed entry.</summary>
    public uint KeyId { get; }

    /// <summary>Creates the encryption the options ask for, or <see langword="null"/> when they name no key.</summary>
    /// <param name="options">The options (<see cref="CacheEncryptionOptions.Key"/>, else the environment variable they name).</param>
    /// <returns>The sealing, or <see langword="null"/> when no key is configured (the cache is then not encrypted).</returns>
    /// <exception cref="InvalidOperationException">The key is not valid base64 of 16, 24 or 32 bytes.</exception>
    public static CacheEncryption? Create(CacheEncryptionOptions? options) => Create(options, null);

    /// <summary>As <see cref="Create(CacheEncryptionOptions?)"/>, reading the environment through <paramref name="getEnvironmentVariable"/> (tests).</summary>
    internal static CacheEncryption? Create(CacheEncryptionOptions? options, Func<string, string?>? getEnvironmentVariable)
    {
        if (options is null)
        {
            return null;
        }

        var (key, origin) = FindKey(options, getEnvironmentVariable ?? Environment.GetEnvironmentVariable);
        if (key is null)
        {
            return null;
        }

        if (!TryParseKey(key, out var bytes, out var error))
        {
            throw new InvalidOperationException($"The cache encryption key from {origin} {error}.");
        }

        var previous = new List<byte[]>();
        for (var i = 0; i < options.PreviousKeys.Count; i++)
        {
            if (string.IsNullOrWhiteSpace(options.PreviousKeys[i]))
            {
                continue; // an empty entry (a configuration placeholder) names no key
            }

            if (!TryParseKey(options.PreviousKeys[i], out var old, out var oldError))
            {
                throw new InvalidOperationException($"The previous cache encryption key Encryption:PreviousKeys:{i} {oldError}.");
            }

            previous.Add(old);
        }

        return new CacheEncryption(bytes, previous, options.RequireEncrypted);
    }

    /// <summary>Checks the key the options name, if any; for start-up validation.</summary>
    /// <param name="options">The options.</param>
    /// <returns>Why the key is unusable, or <see langword="null"/> when it is usable or absent.</returns>
    public static string? Validate(CacheEncryptionOptions? options) => Validate(options, null);

    /// <summary>As <see cref="Validate(CacheEncryptionOptions?)"/>, reading the environment through <paramref name="getEnvironmentVariable"/> (tests).</summary>
    internal static string? Validate(CacheEncryptionOptions? options, Func<string, string?>? getEnvironmentVariable)
    {
        if (options is null)
        {
            return null;
        }

        var (key, origin) = FindKey(options, getEnvironmentVariable ?? Environment.GetEnvironmentVariable);
        if (key is not null && !TryParseKey(key, out _, out var error))
        {
            return $"the key from {origin} {error}";
        }

        for (var i = 0; i < options.PreviousKeys.Count; i++)
        {
            if (!string.IsNullOrWhiteSpace(options.PreviousKeys[i]) && !TryParseKey(options.PreviousKeys[i], out _, out var previousError))
            {
                return $"the previous key Encryption:PreviousKeys:{i} {previousError}";
            }
        }

        return null;
    }

    /// <summary>Whether the bytes start like a sealed entry (of any version).</summary>
    /// <param name="content">The stored bytes.</param>
    /// <returns><see langword="true"/> when they carry the sealed header's magic.</returns>
    public static bool IsSealed(ReadOnlySpan<byte> content) => content.Length >= 4 && content.StartsWith(Magic);

    /// <summary>Seals bytes with a fresh random nonce.</summary>
    /// <param name="plaintext">The entry (for example <see cref="CacheEnvelope.Encode"/>'s bytes, compressed or not).</param>
    /// <returns>The sealed entry: header, nonce, tag and ciphertext.</returns>
    public byte[] Seal(ReadOnlySpan<byte> plaintext)
    {
        var result = new byte[Overhead + plaintext.Length];
        Magic.CopyTo(result);
        result[3] = FormatVersion;
        BinaryPrimitives.WriteUInt32BigEndian(result.AsSpan(4, 4), KeyId);
        var nonce = result.AsSpan(HeaderSize, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(_key, TagSize);
        aes.Encrypt(nonce, plaintext, result.AsSpan(Overhead), result.AsSpan(HeaderSize + NonceSize, TagSize), result.AsSpan(0, HeaderSize));
        return result;
    }

    /// <summary>Opens a sealed entry, proving it was sealed with this key and not altered.</summary>
    /// <param name="sealedContent">The stored bytes.</param>
    /// <returns>The plaintext.</returns>
    /// <exception cref="InvalidDataException">Why the entry cannot be opened with this key.</exception>
    public byte[] Open(ReadOnlySpan<byte> sealedContent)
    {
        if (!IsSealed(sealedContent))
        {
            throw new InvalidDataException("the cache is not encrypted but an encryption key is configured; an unencrypted cache is not trusted");
        }

        if (sealedContent[3] != FormatVersion)
        {
            throw new InvalidDataException($"the cache is encrypted with format version {sealedContent[3]}, this library reads {FormatVersion}");
        }

        if (sealedContent.Length < Overhead)
        {
            throw new InvalidDataException($"the encrypted cache is {sealedContent.Length} bytes, shorter than its {Overhead}-byte header (truncated?)");
        }

        var keyId = BinaryPrimitives.ReadUInt32BigEndian(sealedContent.Slice(4, 4));
        if (keyId != KeyId)
        {
            throw new InvalidDataException($"the cache was encrypted with another key (key id {keyId:x8}, the configured key is {KeyId:x8}; list the old key in Encryption:PreviousKeys to migrate it)");
        }

        var plaintext = new byte[sealedContent.Length - Overhead];
        try
        {
            using var aes = new AesGcm(_key, TagSize);
            aes.Decrypt(
                sealedContent.Slice(HeaderSize, NonceSize),
                sealedContent[Overhead..],
                sealedContent.Slice(HeaderSize + NonceSize, TagSize),
                plaintext,
                sealedContent[..HeaderSize]);
        }
        catch (AuthenticationTagMismatchException ex)
        {
            throw new InvalidDataException("the encrypted cache failed authentication: it was altered or truncated, or the key is wrong", ex);
        }

        return plaintext;
    }

    /// <summary>
    /// Opens a stored entry for reading, whatever form an earlier set-up of this node left it in: sealed with the current
    /// key, sealed with one of the previous keys (a rotation), or not sealed at all (encryption just turned on; refused
    /// when the options require encryption). A cache hands <paramref name="migratedFrom"/> on as
    /// <see cref="ConfigDocument.MigratedFrom"/>, so the chain writes the entry again, sealed with the current key.
    /// </summary>
    /// <param name="stored">The stored bytes.</param>
    /// <param name="migratedFrom">Set when the entry is not in the form this key writes: what it was.</param>
    /// <returns>The plaintext.</returns>
    /// <exception cref="InvalidDataException">Why the entry cannot be opened.</exception>
    public byte[] OpenStored(ReadOnlySpan<byte> stored, out string? migratedFrom)
    {
        migratedFrom = null;
        if (!IsSealed(stored))
        {
            if (_requireEncrypted)
            {
                return Open(stored);
            }

            migratedFrom = "an unencrypted entry (encryption was turned on)";
            return stored.ToArray();
        }

        if (stored.Length >= HeaderSize && stored[3] == FormatVersion
            && BinaryPrimitives.ReadUInt32BigEndian(stored.Slice(4, 4)) is var keyId && keyId != KeyId
            && _previousKeys.TryGetValue(keyId, out var previousKey))
        {
            migratedFrom = $"an entry sealed with a previous key (key id {keyId:x8})";
            return new CacheEncryption(previousKey).Open(stored);
        }

        return Open(stored);
    }

    private static void CheckLength(byte[] key, string parameter)
    {
        ArgumentNullException.ThrowIfNull(key, parameter);
        if (key.Length is not (16 or 24 or 32))
        {
            throw new ArgumentException($"an AES key is 16, 24 or 32 bytes, not {key.Length}", parameter);
        }
    }

    private static (string? Key, string Origin) FindKey(CacheEncryptionOptions options, Func<string, string?> getEnvironmentVariable)
    {
        if (!string.IsNullOrEmpty(options.Key))
        {
            return (options.Key, "the options (Encryption:Key)");
        }

        if (!string.IsNullOrEmpty(options.KeyEnvironmentVariable)
            && getEnvironmentVariable(options.KeyEnvironmentVariable) is { Length: > 0 } fromEnvironment)
        {
            return (fromEnvironment, $"the environment variable {options.KeyEnvironmentVariable}");
        }

        return (null, string.Empty);
    }

    private static bool TryParseKey(string key, out byte[] bytes, out string error)
    {
        try
        {
            bytes = Convert.FromBase64String(key.Trim());
        }
        catch (FormatException)
        {
            bytes = [];
            error = "is not base64";
            return false;
        }

        if (bytes.Length is not (16 or 24 or 32))
        {
            error = $"decodes to {bytes.Length} bytes; AES-GCM needs 16, 24 or 32 (e.g. `openssl rand -base64 32`)";
            return false;
        }

        error = string.Empty;
        return true;
    }

    private static uint ComputeKeyId(byte[] key)
    {
        Span<byte> input = stackalloc byte[23 + 32];
        "resilience-cache-key-id"u8.CopyTo(input);
        key.CopyTo(input[23..]);
        Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(input[..(23 + key.Length)], digest);
        return BinaryPrimitives.ReadUInt32BigEndian(digest);
    }
}
