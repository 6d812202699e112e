using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Resilience.Yarp.Tests;

/// <summary>
/// <c>MapDataPlaneAdmin</c> refuses to map endpoints that no caller could authenticate for (which would answer every
/// request 500 at run time), and says what to add.
/// </summary>
public sealed class AdminStartupTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    [Fact]
    public void Without_authentication_mapping_fails_at_start_and_names_a_scheme_to_add()
    {
        var error = Assert.Throws<InvalidOperationException>(() => Map(authentication: null));
        Assert.Contains("DataPlaneAdmin", error.Message, StringComparison.Ordinal);
        Assert.Contains("AddAuthentication().AddJwtBearer()", error.Message, StringComparison.Ordinal);
        Assert.Contains("500", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AddAuthentication_without_a_scheme_fails_at_start()
    {
        var error = Assert.Throws<InvalidOperationException>(() => Map(authentication: services => services.AddAuthentication()));
        Assert.Contains("registers no scheme", error.Message, StringComparison.Ordinal);
        Assert.Contains("AddJwtBearer()", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_policy_naming_a_scheme_that_is_not_registered_fails_at_start_naming_both()
    {
        var error = Assert.Throws<InvalidOperationException>(() => Map(
            authentication: services => services.AddAuthentication().AddScheme<AuthenticationSchemeOptions, TestOperatorAuthentication>(TestOperatorAuthentication.SchemeName, null),
            policySchemes: ["Bearer"]));
        Assert.Contains("'Bearer'", error.Message, StringComparison.Ordinal);
        Assert.Contains($"registered: '{TestOperatorAuthentication.SchemeName}'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Two_schemes_without_a_default_and_a_policy_naming_none_fails_at_start()
    {
        var error = Assert.Throws<InvalidOperationException>(() => Map(authentication: services => services.AddAuthentication()
            .AddScheme<AuthenticationSchemeOptions, TestOperatorAuthentication>("one", null)
            .AddScheme<AuthenticationSchemeOptions, TestOperatorAuthentication>("two", null)));
        Assert.Contains("no default", error.Message, StringComparison.Ordinal);
        Assert.Contains("AddAuthenticationSchemes(\"one\")", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void One_scheme_or_a_named_one_maps()
    {
        Map(authentication: services => services.AddAuthentication().AddScheme<AuthenticationSchemeOptions, TestOperatorAuthentication>(TestOperatorAuthentication.SchemeName, null));
        Map(
            authentication: services => services.AddAuthentication()
                .AddScheme<AuthenticationSchemeOptions, TestOperatorAuthentication>("one", null)
                .AddScheme<AuthenticationSchemeOptions, TestOperatorAuthentication>("two", null),
            policySchemes: ["two"]);
    }

    public void Dispose() => _dir.Dispose();

    /// <summary>
    /// Builds a gateway as a user would and maps the admin endpoints (nothing is started). Development, as `dotnet run`
    /// of a new web project: the container validates scopes, so nothing scoped may be resolved from the root.
    /// </summary>
    private void Map(Action<IServiceCollection>? authentication, string[]? policySchemes = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Development" });
        builder.Logging.ClearProviders();
        builder.Services.AddDataPlaneResilience(o => o.DataDirectory = _dir.File("data"));
        builder.Services.AddReverseProxy().LoadFromDataPlane();
        authentication?.Invoke(builder.Services);
        builder.Services.AddAuthorizationBuilder().AddPolicy(DataPlaneAdminDefaults.PolicyName, policy =>
        {
            policy.AuthenticationSchemes = policySchemes ?? [];
            policy.RequireAuthenticatedUser();
        });
        var app = builder.Build();
        app.MapDataPlaneAdmin();
    }
}
