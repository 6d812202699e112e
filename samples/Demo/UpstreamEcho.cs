using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Resilience.Samples.Demo;

/// <summary>
/// The service behind the gateways (<c>Demo upstream &lt;url&gt;</c>): it answers every request with the
/// <c>X-Config-Version</c> header the gateway's route added, so each response proves which configuration routed it.
/// </summary>
internal static class UpstreamEcho
{
    public const string VersionHeader = "X-Config-Version";
    public const string BodyPrefix = "upstream saw config ";

    public static async Task<int> RunAsync(string url)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls(url);
        var app = builder.Build();
        app.Run(context => context.Response.WriteAsync(BodyPrefix + context.Request.Headers[VersionHeader]));
        await app.RunAsync();
        return 0;
    }

    /// <summary>The configuration version a response body names, or <see langword="null"/>.</summary>
    public static string? VersionIn(string body) =>
        body.StartsWith(BodyPrefix, StringComparison.Ordinal) ? body[BodyPrefix.Length..] : null;
}
