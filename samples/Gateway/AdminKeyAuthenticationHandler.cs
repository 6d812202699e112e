using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Resilience.Samples.Gateway;

/// <summary>
/// The sample's operator authentication: a shared key in the <c>X-Admin-Key</c> header, compared in constant time.
/// Enough for a demo on loopback; a real gateway puts its own scheme (client certificates, JWT) behind the policy.
/// </summary>
public sealed class AdminKeyAuthenticationHandler(IOptionsMonitor<AdminKeyAuthenticationOptions> options, ILoggerFactory logger, UrlEncoder encoder)
    : AuthenticationHandler<AdminKeyAuthenticationOptions>(options, logger, encoder)
{
    /// <summary>The scheme's name.</summary>
    public const string SchemeName = "AdminKey";

    /// <summary>The header that carries the key.</summary>
    public const string HeaderName = "X-Admin-Key";

    /// <summary>The role an authenticated operator gets: the one the README's admin policy requires.</summary>
    public const string Role = "gateway-admin";

    /// <inheritdoc/>
    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (string.IsNullOrEmpty(Options.Key) || !Request.Headers.TryGetValue(HeaderName, out var presented))
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        if (!CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(presented.ToString()), Encoding.UTF8.GetBytes(Options.Key)))
        {
            return Task.FromResult(AuthenticateResult.Fail("wrong admin key"));
        }

        var identity = new ClaimsIdentity([new Claim(ClaimTypes.Name, "operator"), new Claim(ClaimTypes.Role, Role)], SchemeName);
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName)));
    }
}

/// <summary>Options of <see cref="AdminKeyAuthenticationHandler"/>.</summary>
public sealed class AdminKeyAuthenticationOptions : AuthenticationSchemeOptions
{
    /// <summary>Gets or sets the operators' key; unset refuses every caller.</summary>
    public string? Key { get; set; }
}

/// <summary>Registers <see cref="AdminKeyAuthenticationHandler"/>.</summary>
public static class AdminKeyAuthenticationExtensions
{
    /// <summary>Adds the admin-key scheme.</summary>
    /// <param name="builder">The authentication builder.</param>
    /// <param name="key">The operators' key; unset refuses every caller.</param>
    /// <returns>The builder.</returns>
    public static AuthenticationBuilder AddAdminKey(this AuthenticationBuilder builder, string? key) =>
        builder.AddScheme<AdminKeyAuthenticationOptions, AdminKeyAuthenticationHandler>(AdminKeyAuthenticationHandler.SchemeName, options => options.Key = key);
}
