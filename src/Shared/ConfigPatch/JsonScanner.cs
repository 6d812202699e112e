using System.Buffers;
using System.Text;
using System.Text.Json;

namespace Resilience;

/// <summary>
/// Finds where JSON values, names and the bytes between them lie, without tokenising what it steps over: a container
/// is skipped by looking only for quotes, backslashes, brackets and comment starts (a vectorised search), which is
/// several times faster than a reader's <c>Skip</c>. It reads documents the chain already accepted (the served one,
/// a published one) and values a strict reader already read (a patch's), so it checks only what it must not get
/// wrong to stay in bounds; a document it misreads gives bytes that do not hash to the target, which the hash check
/// refuses. Comments (<c>//</c>, <c>/* */</c>) and trailing commas are stepped over as a published document may have them.
/// </summary>
internal static class JsonScanner
{
    private static readonly SearchValues<byte> Structural = SearchValues.Create("\"{}[]/"u8);
    private static readonly SearchValues<byte> StringEnd = SearchValues.Create("\"\\"u8);
    private static readonly SearchValues<byte> ScalarEnd = SearchValues.Create(",}] \t\r\n/"u8);

    /// <summary>1 for an object, 2 for an array, 0 for anything else (leading whitespace and comments skipped).</summary>
    public static int Kind(ReadOnlySpan<byte> json)
    {
        var at = SkipTrivia(json, 0);
        return at >= json.Length ? 0 : json[at] switch { (byte)'{' => 1, (byte)'[' => 2, _ => 0 };
    }

    /// <summary>Skips whitespace and comments from <paramref name="at"/>.</summary>
    public static int SkipTrivia(ReadOnlySpan<byte> json, int at)
    {
        while (at < json.Length)
        {
            switch (json[at])
            {
                case (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\r':
                    at++;
                    break;
                case (byte)'/' when at + 1 < json.Length && json[at + 1] == '/':
                    var line = json[(at + 2)..].IndexOf((byte)'\n');
                    at = line < 0 ? json.Length : at + 2 + line + 1;
                    break;
                case (byte)'/' when at + 1 < json.Length && json[at + 1] == '*':
                    var end = json[(at + 2)..].IndexOf("*/"u8);
                    at = end < 0 ? throw Broken("an unterminated comment") : at + 2 + end + 2;
                    break;
                default:
                    return at;
            }
        }

        return at;
    }

    /// <summary>Skips the value that starts at <paramref name="at"/>; returns the offset after it.</summary>
    public static int SkipValue(ReadOnlySpan<byte> json, int at)
    {
        if (at >= json.Length)
        {
            throw Broken("a value is missing");
        }

        return json[at] switch
        {
            (byte)'"' => SkipString(json, at),
            (byte)'{' or (byte)'[' => SkipContainer(json, at),
            _ => SkipScalar(json, at),
        };
    }

    /// <summary>Skips the string that starts at <paramref name="at"/> (its opening quote).</summary>
    public static int SkipString(ReadOnlySpan<byte> json, int at)
    {
        var i = at + 1;
        while (true)
        {
            var next = i < json.Length ? json[i..].IndexOfAny(StringEnd) : -1;
            if (next < 0)
            {
                throw Broken("an unterminated string");
            }

            i += next;
            if (json[i] == '"')
            {
                return i + 1;
            }

            i += 2;
        }
    }

    /// <summary>Reads a member name (a string at <paramref name="at"/>, already known to end at <paramref name="end"/>).</summary>
    public static string Name(ReadOnlySpan<byte> json, int at, int end)
    {
        var inner = json[(at + 1)..(end - 1)];
        if (inner.IndexOf((byte)'\\') < 0)
        {
            return Encoding.UTF8.GetString(inner);
        }

        var reader = new Utf8JsonReader(json[at..end]);
        try
        {
            reader.Read();
            return reader.GetString()!;
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            throw Broken($"an unreadable member name: {ex.Message}");
        }
    }

    private static int SkipContainer(ReadOnlySpan<byte> json, int at)
    {
        var depth = 0;
        var i = at;
        while (true)
        {
            var next = i < json.Length ? json[i..].IndexOfAny(Structural) : -1;
            if (next < 0)
            {
                throw Broken("an unterminated object or array");
            }

            i += next;
            switch (json[i])
            {
                case (byte)'"':
                    i = SkipString(json, i);
                    break;
                case (byte)'{' or (byte)'[':
                    if (++depth > JsonOverlay.MaxDepth)
                    {
                        throw Broken($"nesting deeper than {JsonOverlay.MaxDepth}");
                    }

                    i++;
                    break;
                case (byte)'}' or (byte)']':
                    i++;
                    if (--depth == 0)
                    {
                        return i;
                    }

                    break;
                default:
                    // '/': a comment, or a stray slash (not JSON) that is stepped over.
                    var after = SkipTrivia(json, i);
                    i = after == i ? i + 1 : after;
                    break;
            }
        }
    }

    private static int SkipScalar(ReadOnlySpan<byte> json, int at)
    {
        var end = json[at..].IndexOfAny(ScalarEnd);
        return end < 0 ? json.Length : end == 0 ? throw Broken("a value is missing") : at + end;
    }

    private static ConfigPatchException Broken(string what) => new(ConfigPatchFailure.Malformed, $"the document is not JSON where the patch reaches: {what}");
}
