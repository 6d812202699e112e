using System.Diagnostics;
using System.Text;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Resilience.Yarp.Tests;

/// <summary>A YARP gateway on real Kestrel (127.0.0.1, free port) fed by the data plane, set up as a user of the package would.</summary>
internal sealed class Gateway : IAsyncDisposable
{
    private readonly WebApplication _app;

    private Gateway(WebApplication app)
    {
        _app = app;
        Url = app.Urls.Single().TrimEnd('/');
        DataPlane = app.Services.GetRequiredService<IDataPlane>();
        Client = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        Operator = new HttpClient { Timeout = TimeSpan.FromMinutes(3) };
        Operator.DefaultRequestHeaders.Add(TestOperatorAuthentication.Header, "yes");
    }

    public string Url { get; }

    public IDataPlane DataPlane { get; }

    public IServiceProvider Services => _app.Services;

    /// <summary>An anonymous client.</summary>
    public HttpClient Client { get; }

    /// <summary>A client the test scheme authenticates as an operator.</summary>
    public HttpClient Operator { get; }

    public static async Task<Gateway> StartAsync(string dataDirectory, string? yamlPath = null, bool withAdminPolicy = true, Action<IServiceCollection>? configureServices = null, Action<IDataPlaneResilienceBuilder>? resilience = null, Action<IReverseProxyBuilder>? proxy = null, Action<WebApplication>? configureApp = null, bool mapProxy = true)
    {
        var builder = WebApplication.CreateBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel().UseUrls("http://127.0.0.1:0");
        var chain = builder.Services
            .AddDataPlaneResilience(options =>
            {
                options.DataDirectory = dataDirectory;
                options.StartupTimeout = TimeSpan.FromSeconds(1);
            });
        resilience?.Invoke(chain);
        if (yamlPath is not null)
        {
            builder.Services.Configure<DeclarativeConfigOptions>(o => o.Path = yamlPath);
        }

        var reverseProxy = builder.Services.AddReverseProxy().LoadFromDataPlane();
        proxy?.Invoke(reverseProxy);
        builder.Services.AddHealthChecks().AddDataPlaneCheck(tags: ["ready"]).AddDataPlaneRoutingCheck();
        builder.Services.AddAuthentication(TestOperatorAuthentication.SchemeName).AddScheme<AuthenticationSchemeOptions, TestOperatorAuthentication>(TestOperatorAuthentication.SchemeName, null);
        builder.Services.AddAuthorization(o =>
        {
            if (withAdminPolicy)
            {
                o.AddPolicy(DataPlaneAdminDefaults.PolicyName, p => p.RequireAuthenticatedUser());
            }
        });
        configureServices?.Invoke(builder.Services);

        var app = builder.Build();
        app.MapDataPlaneHealthChecks();
        app.MapDataPlaneAdmin();
        if (mapProxy)
        {
            app.MapReverseProxyWithUsageRecording();
        }
        else
        {
            app.MapReverseProxy(); // YARP's own: no 503 unless the host maps it (configureApp)
        }

        configureApp?.Invoke(app);
        await app.StartAsync();
        return new Gateway(app);
    }

    public Task<HttpResponseMessage> ApplyAsync(string json, HttpClient? client = null) =>
        (client ?? Operator).PostAsync(Url + "/resilience/apply", new StringContent(json, Encoding.UTF8, "application/json"));

    /// <summary>The body of a proxied request, or the status code when it failed.</summary>
    public async Task<string> GetAsync(string path, string? header = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, Url + path);
        if (header is not null)
        {
            request.Headers.Add("X-Tier", header);
        }

        using var response = await Client.SendAsync(request);
        return response.IsSuccessStatusCode ? await response.Content.ReadAsStringAsync() : ((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        Operator.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
