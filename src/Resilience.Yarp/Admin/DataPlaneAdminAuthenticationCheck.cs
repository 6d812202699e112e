using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.DependencyInjection;

namespace Resilience.Yarp;

/// <summary>
/// What <c>MapDataPlaneAdmin</c> checks before it maps anything: the admin policy can authenticate a caller. Without a
/// scheme the authorization middleware fails every admin request with a 500 (<c>IAuthenticationService</c> missing,
/// or no default scheme to challenge with); failing at start-up says what to add instead.
/// </summary>
internal static class DataPlaneAdminAuthenticationCheck
{
    private const string HowToAdd =
        "add a scheme, for example services.AddAuthentication().AddJwtBearer() (package Microsoft.AspNetCore.Authentication.JwtBearer; "
        + "`dotnet user-jwts create --role gateway-admin` makes a development token) or .AddCertificate() (package Microsoft.AspNetCore.Authentication.Certificate)";

    /// <summary>Throws when <paramref name="policy"/> cannot authenticate anyone with the schemes registered in <paramref name="services"/>.</summary>
    public static void Require(IServiceProvider services, string policyName, AuthorizationPolicy? policy)
    {
        // IAuthenticationService is scoped: ask whether it is registered rather than resolve it from the root
        // provider (which scope validation, on in Development, refuses).
        var provider = services.GetService<IAuthenticationSchemeProvider>();
        if (provider is null || services.GetService<IServiceProviderIsService>()?.IsService(typeof(IAuthenticationService)) == false)
        {
            throw new InvalidOperationException(
                $"MapDataPlaneAdmin requires authentication for the policy '{policyName}', and none is registered: {HowToAdd}. "
                + "Without one every admin request would fail with 500.");
        }

        // The default provider answers at once; a custom asynchronous one is left to the authentication middleware.
        var all = provider.GetAllSchemesAsync();
        if (!all.IsCompletedSuccessfully)
        {
            return;
        }

        var registered = all.Result.Select(s => s.Name).ToList();
        if (registered.Count == 0)
        {
            throw new InvalidOperationException(
                $"MapDataPlaneAdmin requires an authentication scheme for the policy '{policyName}': services.AddAuthentication() was called but registers no scheme; {HowToAdd}.");
        }

        var named = policy?.AuthenticationSchemes ?? [];
        var missing = named.Where(name => !registered.Contains(name, StringComparer.Ordinal)).ToList();
        if (missing.Count > 0)
        {
            throw new InvalidOperationException(
                $"The authorization policy '{policyName}' of MapDataPlaneAdmin names the authentication scheme(s) {Quote(missing)}, which are not registered "
                + $"(registered: {Quote(registered)}): register them or name one of these in the policy (policy.AddAuthenticationSchemes(...)).");
        }

        if (named.Count == 0 && provider.GetDefaultAuthenticateSchemeAsync() is { IsCompletedSuccessfully: true, Result: null })
        {
            throw new InvalidOperationException(
                $"MapDataPlaneAdmin: the authorization policy '{policyName}' names no authentication scheme and there is no default one among {Quote(registered)}: "
                + $"name the scheme in the policy (policy.AddAuthenticationSchemes(\"{registered[0]}\")) or make it the default (services.AddAuthentication(\"{registered[0]}\")).");
        }
    }

    private static string Quote(IEnumerable<string> names) => string.Join(", ", names.Select(n => $"'{n}'"));
}
