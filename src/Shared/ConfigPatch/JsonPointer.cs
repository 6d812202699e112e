using System.Text;

namespace Resilience;

/// <summary>RFC 6901 JSON Pointers: <c>""</c> is the document, <c>/a/b</c> its member <c>a</c>'s member <c>b</c>; <c>~1</c> is <c>/</c>, <c>~0</c> is <c>~</c>.</summary>
internal static class JsonPointer
{
    /// <summary>Splits a pointer into unescaped reference tokens, at most <see cref="JsonOverlay.MaxDepth"/>.</summary>
    /// <exception cref="ConfigPatchException">Not a pointer, or deeper than any document the chain accepts.</exception>
    public static List<string> Parse(string pointer)
    {
        var segments = new List<string>();
        if (pointer.Length == 0)
        {
            return segments;
        }

        if (pointer[0] != '/')
        {
            throw new ConfigPatchException(ConfigPatchFailure.Malformed, $"'{pointer}' is not a JSON Pointer (it must start with '/')");
        }

        var start = 1;
        while (true)
        {
            var end = pointer.IndexOf('/', start);
            var token = end < 0 ? pointer[start..] : pointer[start..end];
            segments.Add(Unescape(token, pointer));
            if (segments.Count > JsonOverlay.MaxDepth)
            {
                throw new ConfigPatchException(ConfigPatchFailure.PathNotFound, $"a pointer deeper than {JsonOverlay.MaxDepth} names nothing in a document the chain accepts");
            }

            if (end < 0)
            {
                return segments;
            }

            start = end + 1;
        }
    }

    /// <summary>Escapes one reference token.</summary>
    public static string Escape(string token) => token.Contains('~') || token.Contains('/') ? token.Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal) : token;

    /// <summary>An array index token: <c>0</c> or digits without a leading zero.</summary>
    /// <exception cref="ConfigPatchException">Not an index.</exception>
    public static int Index(string token, string pointer)
    {
        if (token.Length is 0 or > 9 || (token.Length > 1 && token[0] == '0') || !token.All(char.IsAsciiDigit))
        {
            throw new ConfigPatchException(ConfigPatchFailure.PathNotFound, $"'{pointer}': '{token}' is not an array index");
        }

        return int.Parse(token, System.Globalization.CultureInfo.InvariantCulture);
    }

    private static string Unescape(string token, string pointer)
    {
        if (!token.Contains('~'))
        {
            return token;
        }

        var builder = new StringBuilder(token.Length);
        for (var i = 0; i < token.Length; i++)
        {
            if (token[i] != '~')
            {
                builder.Append(token[i]);
                continue;
            }

            builder.Append(i + 1 < token.Length ? token[++i] switch
            {
                '0' => '~',
                '1' => '/',
                _ => throw new ConfigPatchException(ConfigPatchFailure.Malformed, $"'{pointer}' has an invalid escape '~{token[i]}'"),
            } : throw new ConfigPatchException(ConfigPatchFailure.Malformed, $"'{pointer}' ends in '~'"));
        }

        return builder.ToString();
    }
}
