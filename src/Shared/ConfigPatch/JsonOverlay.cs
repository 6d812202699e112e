using System.Text;

namespace Resilience;

/// <summary>
/// A JSON value over bytes someone published, opened only where an edit reaches. An unopened value is its bytes
/// exactly; an opened container keeps every byte between its members (whitespace, commas, comments) as it found
/// them, so writing it out again gives the same bytes until an edit changes a member. This is what lets a patch
/// reproduce a document byte for byte: only the edited members and the separators around them are new.
/// </summary>
/// <remarks>
/// The rules for new separators are few and deterministic (a new member copies the container's first separator and
/// its first member's colon spacing; a removed member takes its own separator with it); the control plane checks
/// with the same code that they give the bytes it published before it sends a patch that relies on them.
/// </remarks>
internal sealed class JsonOverlay
{
    /// <summary>The chain accepts JSON up to depth 256; a patch's pointers and values stay within the same.</summary>
    internal const int MaxDepth = 256;

    private static readonly byte[] DefaultSeparator = ","u8.ToArray();
    private static readonly byte[] DefaultColon = ":"u8.ToArray();

    private ReadOnlyMemory<byte> _open;
    private ReadOnlyMemory<byte> _close;
    private ReadOnlyMemory<byte> _separator;
    private ReadOnlyMemory<byte> _colon;

    private JsonOverlay(ReadOnlyMemory<byte> raw) => Raw = raw;

    /// <summary>Gets the bytes this value was made of (stale once an opened container is edited: <see cref="Length"/> and <see cref="WriteTo"/> are the truth).</summary>
    public ReadOnlyMemory<byte> Raw { get; private set; }

    /// <summary>Gets the members of an opened container (in order), or <see langword="null"/>.</summary>
    public List<JsonMember>? Members { get; private set; }

    /// <summary>Gets a value indicating whether this is an opened object (else an opened array, or not opened).</summary>
    public bool IsObject { get; private set; }

    /// <summary>Gets a value indicating whether an opened object holds a member name twice.</summary>
    public bool HasDuplicateKeys { get; private set; }

    /// <summary>Gets the bytes from the container's first byte to its first member (or to its last byte when empty).</summary>
    public ReadOnlyMemory<byte> Open => _open;

    /// <summary>Gets the bytes from the end of the last member to the end of the container.</summary>
    public ReadOnlyMemory<byte> Close => _close;

    public static JsonOverlay Of(ReadOnlyMemory<byte> raw) => new(raw);

    /// <summary>Gets a value indicating whether the unopened bytes are an object or an array.</summary>
    public bool IsContainer => Members is not null || JsonScanner.Kind(Raw.Span) != 0;

    /// <summary>Opens a container: reads its members' places. <paramref name="budget"/> is charged the bytes read.</summary>
    /// <returns><see langword="false"/> when this is not a container.</returns>
    public bool TryOpen(ref long budget)
    {
        if (Members is not null)
        {
            return true;
        }

        if (!IsContainer)
        {
            return false;
        }

        budget -= Raw.Length;
        if (budget < 0)
        {
            throw new ConfigPatchException(ConfigPatchFailure.TooExpensive, "the patch reads more of the document than its budget allows");
        }

        var bytes = Raw;
        var span = bytes.Span;
        var at = JsonScanner.SkipTrivia(span, 0);
        IsObject = span[at] == '{';
        var members = new List<JsonMember>();
        HashSet<string>? keys = IsObject ? new HashSet<string>(StringComparer.Ordinal) : null;
        var previousEnd = at + 1;
        var firstStart = -1;
        var i = JsonScanner.SkipTrivia(span, at + 1);
        int closeStart;
        while (true)
        {
            if (i >= span.Length)
            {
                throw new ConfigPatchException(ConfigPatchFailure.Malformed, "the document is not JSON where the patch reaches: an unterminated object or array");
            }

            if (span[i] is (byte)'}' or (byte)']')
            {
                closeStart = members.Count == 0 ? i : previousEnd;
                break;
            }

            var separator = members.Count == 0 ? ReadOnlyMemory<byte>.Empty : bytes[previousEnd..i];
            if (members.Count == 0)
            {
                firstStart = i;
            }

            string? key = null;
            ReadOnlyMemory<byte> keyRaw = default, colon = default;
            var valueStart = i;
            if (IsObject)
            {
                if (span[i] != '"')
                {
                    throw new ConfigPatchException(ConfigPatchFailure.Malformed, "the document is not JSON where the patch reaches: a member without a name");
                }

                var keyEnd = JsonScanner.SkipString(span, i);
                key = JsonScanner.Name(span, i, keyEnd);
                keyRaw = bytes[i..keyEnd];
                HasDuplicateKeys |= !keys!.Add(key);
                var colonAt = JsonScanner.SkipTrivia(span, keyEnd);
                if (colonAt >= span.Length || span[colonAt] != ':')
                {
                    throw new ConfigPatchException(ConfigPatchFailure.Malformed, "the document is not JSON where the patch reaches: a name without a colon");
                }

                valueStart = JsonScanner.SkipTrivia(span, colonAt + 1);
                colon = bytes[keyEnd..valueStart];
            }

            var valueEnd = JsonScanner.SkipValue(span, valueStart);
            members.Add(new JsonMember(key, keyRaw, colon, separator, new JsonOverlay(bytes[valueStart..valueEnd])));
            if (members.Count == 2)
            {
                _separator = separator;
            }

            previousEnd = valueEnd;
            var next = JsonScanner.SkipTrivia(span, valueEnd);
            if (next < span.Length && span[next] == ',')
            {
                // A trailing comma stays in the bytes before the closing bracket.
                next = JsonScanner.SkipTrivia(span, next + 1);
            }
            else if (next >= span.Length || span[next] is not ((byte)'}' or (byte)']'))
            {
                throw new ConfigPatchException(ConfigPatchFailure.Malformed, "the document is not JSON where the patch reaches: members without a comma");
            }

            i = next;
        }

        _open = members.Count == 0 ? bytes[..closeStart] : bytes[..firstStart];
        _close = bytes[closeStart..];
        _colon = members.Count > 0 && IsObject ? members[0].Colon : DefaultColon;
        if (_separator.IsEmpty)
        {
            _separator = DefaultSeparator;
        }

        Members = members;
        return true;
    }

    /// <summary>An opened copy of this opened container whose member list can be edited without touching this one (values are shared).</summary>
    public JsonOverlay CloneOpened() => new(Raw)
    {
        Members = [.. Members!],
        IsObject = IsObject,
        HasDuplicateKeys = HasDuplicateKeys,
        _open = _open,
        _close = _close,
        _separator = _separator,
        _colon = _colon,
    };

    /// <summary>Replaces this value's content by <paramref name="raw"/> (it is not opened any more).</summary>
    public void Set(ReadOnlyMemory<byte> raw)
    {
        Raw = raw;
        Members = null;
        HasDuplicateKeys = false;
    }

    /// <summary>Finds an object's member by name (opened objects without duplicate names only).</summary>
    public int IndexOf(string key, ref long budget)
    {
        var members = Members!;
        budget -= members.Count;
        for (var i = 0; i < members.Count; i++)
        {
            if (string.Equals(members[i].Key, key, StringComparison.Ordinal))
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>Inserts a member at <paramref name="index"/> with the container's own separator and colon spacing.</summary>
    public void Insert(int index, string? key, ReadOnlyMemory<byte> value, ref long budget)
    {
        var members = Members!;
        budget -= members.Count - index + 1;
        if (budget < 0)
        {
            throw new ConfigPatchException(ConfigPatchFailure.TooExpensive, "the patch moves more members than its budget allows");
        }

        var keyRaw = key is null ? default : EncodeKey(key);
        var member = new JsonMember(key, keyRaw, key is null ? default : _colon, index == 0 ? ReadOnlyMemory<byte>.Empty : _separator, Of(value));
        if (index == 0 && members.Count > 0)
        {
            members[0] = members[0] with { Separator = _separator };
        }

        members.Insert(index, member);
    }

    /// <summary>Removes the member at <paramref name="index"/> with the separator before it (the next one's, for the first).</summary>
    public void RemoveAt(int index, ref long budget)
    {
        var members = Members!;
        budget -= members.Count - index;
        if (budget < 0)
        {
            throw new ConfigPatchException(ConfigPatchFailure.TooExpensive, "the patch moves more members than its budget allows");
        }

        members.RemoveAt(index);
        if (index == 0 && members.Count > 0)
        {
            members[0] = members[0] with { Separator = ReadOnlyMemory<byte>.Empty };
        }
    }

    /// <summary>The number of bytes <see cref="WriteTo"/> writes.</summary>
    public long Length()
    {
        if (Members is not { } members)
        {
            return Raw.Length;
        }

        long length = _open.Length + _close.Length;
        foreach (var member in members)
        {
            length += member.Separator.Length + member.KeyRaw.Length + member.Colon.Length + member.Value.Length();
        }

        return length;
    }

    /// <summary>Writes the value; returns the bytes written.</summary>
    public int WriteTo(Span<byte> destination)
    {
        if (Members is not { } members)
        {
            Raw.Span.CopyTo(destination);
            return Raw.Length;
        }

        var written = Copy(_open, destination);
        foreach (var member in members)
        {
            written += Copy(member.Separator, destination[written..]);
            written += Copy(member.KeyRaw, destination[written..]);
            written += Copy(member.Colon, destination[written..]);
            written += member.Value.WriteTo(destination[written..]);
        }

        return written + Copy(_close, destination[written..]);
    }

    /// <summary>A member name as a new member gets it: only the escapes JSON requires.</summary>
    internal static byte[] EncodeKey(string key)
    {
        var builder = new StringBuilder(key.Length + 2).Append('"');
        foreach (var c in key)
        {
            _ = c switch
            {
                '"' => builder.Append("\\\""),
                '\\' => builder.Append("\\\\"),
                '\n' => builder.Append("\\n"),
                '\r' => builder.Append("\\r"),
                '\t' => builder.Append("\\t"),
                '\b' => builder.Append("\\b"),
                '\f' => builder.Append("\\f"),
                < ' ' => builder.Append("\\u").Append(((int)c).ToString("x4", System.Globalization.CultureInfo.InvariantCulture)),
                _ => builder.Append(c),
            };
        }

        return Encoding.UTF8.GetBytes(builder.Append('"').ToString());
    }

    private static int Copy(ReadOnlyMemory<byte> source, Span<byte> destination)
    {
        source.Span.CopyTo(destination);
        return source.Length;
    }
}

/// <summary>One member of an opened container: its separator before it (empty for the first), name and colon (objects), value.</summary>
internal sealed record JsonMember(string? Key, ReadOnlyMemory<byte> KeyRaw, ReadOnlyMemory<byte> Colon, ReadOnlyMemory<byte> Separator, JsonOverlay Value);
