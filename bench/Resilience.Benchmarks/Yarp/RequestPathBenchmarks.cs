using System.Security.Claims;
using System.Text.Encodings.Web;
using BenchmarkDotNet.Attributes;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Resilience.Yarp;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Model;

namespace Resilience.Benchmarks.Yarp;

/// <summary>
/// What the optional pieces of a gateway built on the package add to one proxied request, against YARP's forwarding
/// step alone in the same run: the usage record (<see cref="UsageRecordingMiddleware"/> into the real
/// <see cref="UsageBuffer"/>), and an operator authentication scheme that ASP.NET Core makes the default because it is
/// the only one (it then authenticates every proxied request), against the same scheme with no default. The forwarding
/// step is a task completed after the pipeline awaited it, as a real forward completes later: every middleware takes
/// its asynchronous path, with no thread switch to blur the figures.
/// </summary>
[MemoryDiagnoser]
public class RequestPathBenchmarks
{
    private readonly DefaultHttpContext _context = new();
    private TaskCompletionSource _forwarding = new();
    private RequestDelegate _forward = null!;
    private RequestDelegate _withUsage = null!;
    private AuthenticationMiddleware _withDefaultScheme = null!;
    private AuthenticationMiddleware _withoutDefaultScheme = null!;
    private UsageBuffer _buffer = null!;
    private ServiceProvider _defaultScheme = null!;
    private ServiceProvider _noDefaultScheme = null!;
    private RequestScope _defaultSchemeScope = null!;
    private RequestScope _noDefaultSchemeScope = null!;

    [GlobalSetup]
    public void Setup()
    {
        _forward = _ => (_forwarding = new TaskCompletionSource()).Task;

        // The usage buffer drops the oldest records once full, as in an outage: the steady state of a long run.
        _buffer = new UsageBuffer(100_000);
        _withUsage = new UsageRecordingMiddleware(_forward, _buffer).InvokeAsync;

        var route = new RouteConfig { RouteId = "route-00042", ClusterId = "c2", Match = new RouteMatch { Path = "/api/v1/service-00042/{**rest}" } };
        var cluster = new ClusterModel(new ClusterConfig { ClusterId = "c2" }, new HttpMessageInvoker(new SocketsHttpHandler()));
        _context.Features.Set<IReverseProxyFeature>(new ProxyFeature(new RouteModel(route, new ClusterState("c2"), HttpTransformer.Default), cluster));
        _context.Request.Method = "GET";
        _context.Request.Path = "/api/v1/service-00042/x";
        _context.Response.StatusCode = 200;

        _defaultScheme = Services(noDefault: false);
        _noDefaultScheme = Services(noDefault: true);
        _withDefaultScheme = new AuthenticationMiddleware(_forward, _defaultScheme.GetRequiredService<IAuthenticationSchemeProvider>());
        _withoutDefaultScheme = new AuthenticationMiddleware(_forward, _noDefaultScheme.GetRequiredService<IAuthenticationSchemeProvider>());
        _defaultSchemeScope = new RequestScope(_defaultScheme.GetRequiredService<IServiceScopeFactory>());
        _noDefaultSchemeScope = new RequestScope(_noDefaultScheme.GetRequiredService<IServiceScopeFactory>());
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _defaultScheme.Dispose();
        _noDefaultScheme.Dispose();
    }

    [Benchmark(Baseline = true, Description = "YARP's forwarding step alone (baseline)")]
    public Task Forward() => Complete(_forward);

    [Benchmark(Description = "+ usage record (UsageRecordingMiddleware)")]
    public Task UsageRecording() => Complete(_withUsage);

    [Benchmark(Description = "+ authentication, the lone scheme as default (every request authenticated)")]
    public Task AuthenticationWithDefaultScheme() => Authenticate(_withDefaultScheme, _defaultSchemeScope);

    [Benchmark(Description = "+ authentication, no default scheme (SuppressAutoDefaultScheme)")]
    public Task AuthenticationWithoutDefaultScheme() => Authenticate(_withoutDefaultScheme, _noDefaultSchemeScope);

    private Task Complete(RequestDelegate pipeline)
    {
        var pending = pipeline(_context);
        _forwarding.SetResult();
        return pending;
    }

    /// <summary>The request's services are created on first use and disposed at its end, as ASP.NET Core's are.</summary>
    private Task Authenticate(AuthenticationMiddleware middleware, RequestScope scope)
    {
        _context.Features.Set<Microsoft.AspNetCore.Http.Features.IServiceProvidersFeature>(scope);
        var pending = Complete(middleware.Invoke);
        scope.End();
        return pending;
    }

    private static ServiceProvider Services(bool noDefault)
    {
        var services = new ServiceCollection().AddLogging(l => l.SetMinimumLevel(LogLevel.Warning));
        services.AddAuthentication().AddScheme<AuthenticationSchemeOptions, HeaderKeyHandler>(HeaderKeyHandler.SchemeName, _ => { });
        if (noDefault)
        {
            services.Replace(ServiceDescriptor.Singleton<IAuthenticationSchemeProvider, NoDefaultSchemeProvider>());
        }

        return services.BuildServiceProvider();
    }

    /// <summary>The sample's operator scheme in short: a key in a header; a request without it gets no result.</summary>
    private sealed class HeaderKeyHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder)
        : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
    {
        public const string SchemeName = "AdminKey";

        protected override Task<AuthenticateResult> HandleAuthenticateAsync() =>
            Task.FromResult(Request.Headers.ContainsKey("X-Admin-Key")
                ? AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(new ClaimsIdentity(SchemeName)), SchemeName))
                : AuthenticateResult.NoResult());
    }

    /// <summary>What <c>Microsoft.AspNetCore.Authentication.SuppressAutoDefaultScheme</c> gives: no default scheme.</summary>
    private sealed class NoDefaultSchemeProvider(IOptions<AuthenticationOptions> options) : AuthenticationSchemeProvider(options)
    {
        public override Task<AuthenticationScheme?> GetDefaultAuthenticateSchemeAsync() => Task.FromResult<AuthenticationScheme?>(null);
    }

    /// <summary>A request's service scope, created when first asked for (the authentication middleware asks only to authenticate).</summary>
    private sealed class RequestScope(IServiceScopeFactory factory) : Microsoft.AspNetCore.Http.Features.IServiceProvidersFeature
    {
        private IServiceScope? _scope;

        public IServiceProvider RequestServices
        {
            get => (_scope ??= factory.CreateScope()).ServiceProvider;
            set => throw new NotSupportedException();
        }

        public void End()
        {
            _scope?.Dispose();
            _scope = null;
        }
    }

    private sealed class ProxyFeature(RouteModel route, ClusterModel cluster) : IReverseProxyFeature
    {
        public RouteModel Route { get; } = route;

        public ClusterModel Cluster { get; set; } = cluster;

        public IReadOnlyList<DestinationState> AllDestinations { get; } = [];

        public IReadOnlyList<DestinationState> AvailableDestinations { get; set; } = [];

        public DestinationState? ProxiedDestination { get; set; }
    }
}
