using System.Text.Json;

namespace Resilience.Yarp;

/// <summary>
/// A key the configuration binder would read differently from what the document says: refused wherever it is in the
/// document, even in a part YARP does not read, because the binder loads the whole document.
/// </summary>
internal sealed class KeyRuleException(string message) : JsonException(message)
{
    public static KeyRuleException Duplicate(string key) =>
        new(StricterRules.Refusal($"the key '{key}' appears twice in one object (keys are compared ignoring case)", StricterRules.DuplicateKey));

    /// <summary>Two routes or two clusters whose ids differ only in case (the binder's keys ignore case).</summary>
    public static KeyRuleException DuplicateId(string kind, string id) =>
        new(StricterRules.Refusal($"duplicate {kind} id '{id}' (ids are compared ignoring case)", StricterRules.DuplicateKey));

    public static KeyRuleException Delimiter(string key) =>
        new(StricterRules.Refusal($"the key '{key}' contains ':', which the configuration binder reads as a path separator", StricterRules.KeyDelimiter));
}
