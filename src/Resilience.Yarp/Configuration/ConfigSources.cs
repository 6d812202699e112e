namespace Resilience.Yarp;

/// <summary>Where one route or cluster lies in the bytes it was parsed from, and its place in the model's list.</summary>
/// <param name="Start">The offset of its value (the object's <c>{</c>).</param>
/// <param name="Length">The length of its value.</param>
/// <param name="Index">Its index in <see cref="ReverseProxyConfig.Routes"/> or <see cref="ReverseProxyConfig.Clusters"/>.</param>
internal readonly record struct SourceRange(int Start, int Length, int Index);

/// <summary>
/// What the parser knows about where a model came from: the byte range of every route and cluster kept by id (the
/// keyed form only), so that the next document's unchanged ones can be recognised by their bytes, and how many of
/// this model's routes and clusters were taken unchanged from the baseline.
/// </summary>
internal sealed record ConfigSources(
    IReadOnlyDictionary<string, SourceRange>? Routes,
    IReadOnlyDictionary<string, SourceRange>? Clusters,
    int ReusedRoutes,
    int ReusedClusters)
{
    /// <summary>Gets how many routes and clusters were compared with the baseline byte for byte (the others reused were taken without it).</summary>
    public int Compared { get; init; }
}
