namespace Resilience.Yarp;

/// <summary>
/// Where the data plane deliberately refuses a document that YARP's own loader (<c>LoadFromConfig</c>) and
/// validators would accept. Every such refusal ends with <c>[rule: name]</c>; the README of Resilience.Yarp and
/// docs/configuration.md say why each rule exists. Everything else YARP accepts is served as YARP's loader builds it.
/// </summary>
internal static class StricterRules
{
    /// <summary>A route names a cluster the document does not define (YARP would answer its requests with 503).</summary>
    public const string UnknownCluster = "unknown-cluster";

    /// <summary>The document defines no route (YARP would serve it and route nothing).</summary>
    public const string NoRoutes = "no-routes";

    /// <summary>A key contains <c>:</c>, the configuration binder's path separator (YARP would split it and read something else).</summary>
    public const string KeyDelimiter = "key-delimiter";

    /// <summary>
    /// One object holds two keys equal ignoring case. YARP refuses this when both hold values and silently merges two
    /// objects; both are refused here.
    /// </summary>
    public const string DuplicateKey = "duplicate-key";

    /// <summary>
    /// A value of the wrong JSON shape: a string where YARP's shape has a list (<c>"Methods": "GET"</c>) or an object,
    /// an array or object where it has a single value or a map. YARP ignores such a value or reads it as empty.
    /// </summary>
    public const string Shape = "shape";

    /// <summary>
    /// A header or query parameter match lists a null or empty value: YARP's validators pass it, then its matcher
    /// throws when it builds the route, and YARP keeps routing with the previous configuration.
    /// </summary>
    public const string EmptyMatchValue = "empty-match-value";

    /// <summary>Every rule, for documentation and tests.</summary>
    public static IReadOnlyList<string> All { get; } = [UnknownCluster, NoRoutes, KeyDelimiter, DuplicateKey, Shape, EmptyMatchValue];

    /// <summary>Ends an error message with the rule that refused it.</summary>
    /// <param name="message">What was refused.</param>
    /// <param name="rule">The rule.</param>
    /// <returns>The message, naming the rule.</returns>
    public static string Refusal(string message, string rule) => $"{message} [rule: {rule}]";
}
