using System.Security.Cryptography;
using System.Text.Json;

namespace Resilience;

/// <summary>
/// A licence the control plane sends with the configuration: a UTF-8 JSON object
/// (<c>{"subject":"...","issued_at":"...","expires_at":"..."}</c>, ISO 8601 times; other fields are kept and ignored)
/// and an optional signature over those exact bytes (the <see cref="ConfigSignature"/> scheme). Nodes with a
/// signing key configured refuse a licence whose signature does not match.
/// </summary>
public sealed class LicenseDocument
{
    private LicenseDocument(ReadOnlyMemory<byte> payload, string? signature, string subject, DateTimeOffset expiresAt, DateTimeOffset? issuedAt)
    {
        Payload = payload;
        Signature = signature;
        Subject = subject;
        ExpiresAt = expiresAt;
        IssuedAt = issuedAt;
    }

    /// <summary>Gets the exact JSON bytes the signature covers.</summary>
    public ReadOnlyMemory<byte> Payload { get; }

    /// <summary>Gets the base64 signature, or <see langword="null"/> when unsigned.</summary>
    public string? Signature { get; }

    /// <summary>Gets whom the licence was issued to.</summary>
    public string Subject { get; }

    /// <summary>Gets when the licence expires.</summary>
    public DateTimeOffset ExpiresAt { get; }

    /// <summary>Gets when the licence was issued, if stated.</summary>
    public DateTimeOffset? IssuedAt { get; }

    /// <summary>Creates and signs a licence (the control plane's side).</summary>
    /// <param name="subject">Whom it is issued to.</param>
    /// <param name="issuedAt">When it is issued.</param>
    /// <param name="expiresAt">When it expires.</param>
    /// <param name="signingKey">The control plane's P-256 private key.</param>
    /// <returns>The signed licence.</returns>
    public static LicenseDocument Create(string subject, DateTimeOffset issuedAt, DateTimeOffset expiresAt, ECDsa signingKey)
    {
        ArgumentNullException.ThrowIfNull(signingKey);
        var payload = Serialize(subject, issuedAt, expiresAt);
        return Parse(payload, ConfigSignature.Sign(payload, signingKey));
    }

    /// <summary>Creates an unsigned licence (accepted only by nodes without a signing key).</summary>
    /// <param name="subject">Whom it is issued to.</param>
    /// <param name="issuedAt">When it is issued.</param>
    /// <param name="expiresAt">When it expires.</param>
    /// <returns>The licence.</returns>
    public static LicenseDocument Create(string subject, DateTimeOffset issuedAt, DateTimeOffset expiresAt) =>
        Parse(Serialize(subject, issuedAt, expiresAt), null);

    /// <summary>Reads a licence from its JSON and signature (the signature is not checked here).</summary>
    /// <param name="payload">The UTF-8 JSON object.</param>
    /// <param name="signature">The base64 signature, or <see langword="null"/>.</param>
    /// <returns>The licence.</returns>
    /// <exception cref="FormatException">The JSON is not a licence (no <c>subject</c> or <c>expires_at</c>).</exception>
    public static LicenseDocument Parse(ReadOnlyMemory<byte> payload, string? signature)
    {
        try
        {
            using var document = JsonDocument.Parse(payload, new JsonDocumentOptions { MaxDepth = 16 });
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new FormatException("a licence must be a JSON object");
            }

            var subject = root.TryGetProperty("subject"u8, out var s) && s.ValueKind == JsonValueKind.String ? s.GetString() : null;
            if (string.IsNullOrWhiteSpace(subject))
            {
                throw new FormatException("a licence needs a 'subject'");
            }

            if (!root.TryGetProperty("expires_at"u8, out var e) || e.ValueKind != JsonValueKind.String || !e.TryGetDateTimeOffset(out var expiresAt))
            {
                throw new FormatException("a licence needs an ISO 8601 'expires_at'");
            }

            DateTimeOffset? issuedAt = root.TryGetProperty("issued_at"u8, out var i) && i.ValueKind == JsonValueKind.String && i.TryGetDateTimeOffset(out var issued) ? issued : null;
            return new LicenseDocument(payload.ToArray(), string.IsNullOrEmpty(signature) ? null : signature, subject, expiresAt, issuedAt);
        }
        catch (JsonException ex)
        {
            throw new FormatException($"a licence is not JSON: {ex.Message}", ex);
        }
    }

    private static byte[] Serialize(string subject, DateTimeOffset issuedAt, DateTimeOffset expiresAt)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(subject);
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            writer.WriteStartObject();
            writer.WriteString("subject"u8, subject);
            writer.WriteString("issued_at"u8, issuedAt.ToUniversalTime());
            writer.WriteString("expires_at"u8, expiresAt.ToUniversalTime());
            writer.WriteEndObject();
        }

        return stream.ToArray();
    }
}
