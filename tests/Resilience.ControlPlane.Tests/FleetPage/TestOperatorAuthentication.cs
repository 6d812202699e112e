using System.Net;
using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Resilience.ControlPlane.Tests;

/// <summary>Who may see the fleet page in tests: a caller with an <c>X-Operator</c> header, or (when trusted) any loopback caller, as a browser on the operator's machine is.</summary>
internal sealed class TestOperatorAuthentication(IOptionsMonitor<TestOperatorOptions> options, ILoggerFactory logger, UrlEncoder encoder)
    : AuthenticationHandler<TestOperatorOptions>(options, logger, encoder)
{
    public const string SchemeName = "test-operator";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var name = Request.Headers["X-Operator"].ToString();
        if (name.Length == 0 && Options.TrustLoopback && Context.Connection.RemoteIpAddress is { } remote && IPAddress.IsLoopback(remote))
        {
            name = "loopback-operator";
        }

        if (name.Length == 0)
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        var identity = new ClaimsIdentity([new Claim(ClaimTypes.Name, name)], SchemeName);
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName)));
    }
}

/// <summary>Options of <see cref="TestOperatorAuthentication"/>.</summary>
internal sealed class TestOperatorOptions : AuthenticationSchemeOptions
{
    public bool TrustLoopback { get; set; }
}
