using System.Text;
using System.Text.Json;

namespace Resilience.Yarp;

/// <summary>
/// The keys of one JSON object as the configuration binder sees them: compared ignoring case and split at
/// <c>:</c>. A key seen twice in one object, or a key with a <c>:</c>, is refused (<see cref="StricterRules.DuplicateKey"/>,
/// <see cref="StricterRules.KeyDelimiter"/>). Known properties cost one bit each; other keys, rare, a list.
/// </summary>
internal struct ObjectKeys
{
    /// <summary>Past this many other keys, one object's keys are looked up in a set instead of a list.</summary>
    private const int ListLimit = 8;

    private ulong _known;
    private List<string>? _others;
    private HashSet<string>? _otherSet;

    /// <summary>Gets how many keys the object had (the binder's "exists" for a section: at least one).</summary>
    public int Count { get; private set; }

    /// <summary>Records a key: <paramref name="index"/> is its place in the object's <see cref="PropertyNames"/>, or -1.</summary>
    /// <exception cref="KeyRuleException">The key was seen before (in any case) or holds a <c>:</c>.</exception>
    public void Add(int index, ReadOnlySpan<byte> name)
    {
        Count++;
        if (index >= 0)
        {
            var bit = 1UL << index;
            if ((_known & bit) != 0)
            {
                throw KeyRuleException.Duplicate(Encoding.UTF8.GetString(name));
            }

            _known |= bit;
            return;
        }

        Other(Encoding.UTF8.GetString(name));
    }

    /// <summary>Records a key the reader does not know.</summary>
    public void AddOther(string name)
    {
        Count++;
        Other(name);
    }

    private void Other(string name)
    {
        CheckDelimiter(name);
        if (_otherSet is not null)
        {
            if (!_otherSet.Add(name))
            {
                throw KeyRuleException.Duplicate(name);
            }

            return;
        }

        _others ??= [];
        foreach (var other in _others)
        {
            if (string.Equals(other, name, StringComparison.OrdinalIgnoreCase))
            {
                throw KeyRuleException.Duplicate(name);
            }
        }

        _others.Add(name);
        if (_others.Count > ListLimit)
        {
            _otherSet = new HashSet<string>(_others, StringComparer.OrdinalIgnoreCase);
        }
    }

    /// <summary>Refuses a key that holds the binder's path separator.</summary>
    public static void CheckDelimiter(string key)
    {
        if (key.Contains(':', StringComparison.Ordinal))
        {
            throw KeyRuleException.Delimiter(key);
        }
    }

    /// <summary>Refuses a key that holds the binder's path separator, before it is decoded.</summary>
    public static void CheckDelimiter(ReadOnlySpan<byte> key)
    {
        if (key.Contains((byte)':'))
        {
            throw KeyRuleException.Delimiter(Encoding.UTF8.GetString(key));
        }
    }

    /// <summary>
    /// Skips a value nobody reads (an unknown property, another section of an appsettings document), checking its keys
    /// on the way: the binder loads the whole document, so a duplicate or a <c>:</c> there matters to YARP too.
    /// </summary>
    public static void Skip(ref Utf8JsonReader reader)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.StartObject:
                var keys = default(ObjectKeys);
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    keys.AddOther(reader.GetString()!);
                    reader.Read();
                    Skip(ref reader);
                }

                break;
            case JsonTokenType.StartArray:
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    Skip(ref reader);
                }

                break;
        }
    }
}
