using System.Collections;
using System.Diagnostics.CodeAnalysis;

namespace Resilience.Yarp;

/// <summary>
/// A read-only string map for the few entries of one route's metadata or one transform, keys compared ignoring case
/// (as YARP's configuration provider builds them; a value may be null, as there). One array instead of a dictionary's three objects: a 20,000-route
/// configuration has about 80,000 of these, and YARP keeps them all for as long as it routes with them.
/// </summary>
internal sealed class SmallStringDictionary : IReadOnlyDictionary<string, string>
{
    private readonly KeyValuePair<string, string>[] _entries;

    private SmallStringDictionary(KeyValuePair<string, string>[] entries) => _entries = entries;

    public int Count => _entries.Length;

    public IEnumerable<string> Keys => _entries.Select(e => e.Key);

    public IEnumerable<string> Values => _entries.Select(e => e.Value);

    public string this[string key] => TryGetValue(key, out var value) ? value : throw new KeyNotFoundException($"'{key}' is not in the map");

    /// <summary>Builds the map from entries in document order.</summary>
    /// <exception cref="KeyRuleException">A key appears twice (in any case): the binder refuses two values under one key.</exception>
    public static SmallStringDictionary Create(List<KeyValuePair<string, string>> entries)
    {
        for (var i = 1; i < entries.Count; i++)
        {
            for (var j = 0; j < i; j++)
            {
                if (string.Equals(entries[i].Key, entries[j].Key, StringComparison.OrdinalIgnoreCase))
                {
                    throw KeyRuleException.Duplicate(entries[i].Key);
                }
            }
        }

        return new SmallStringDictionary([.. entries]);
    }

    public bool ContainsKey(string key) => TryGetValue(key, out _);

    public bool TryGetValue(string key, [MaybeNullWhen(false)] out string value)
    {
        foreach (var entry in _entries)
        {
            if (string.Equals(entry.Key, key, StringComparison.OrdinalIgnoreCase))
            {
                value = entry.Value;
                return true;
            }
        }

        value = null;
        return false;
    }

    public IEnumerator<KeyValuePair<string, string>> GetEnumerator() => ((IEnumerable<KeyValuePair<string, string>>)_entries).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
