using System.Globalization;
using System.Text;

namespace Resilience.Storage.Azure;

/// <summary>
/// Azure metadata names must be C# identifiers (letters, digits, <c>_</c>; not starting with a digit), and the store's
/// keys are not (<c>exporter-node-id</c>, <c>config-hash</c>). A name is written with every other character, and a
/// leading digit, escaped as <c>_</c> and four hex digits (<c>exporter_002dnode_002did</c>), and <c>_</c> itself as
/// <c>_005f</c>; reading reverses it. A name the store did not write (set by hand, or malformed) is kept as it is.
/// </summary>
internal static class AzureMetadataNames
{
    private const char Escape = '_';

    public static string Encode(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        var builder = new StringBuilder(name.Length + 8);
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (char.IsAsciiLetter(c) || (char.IsAsciiDigit(c) && i > 0))
            {
                builder.Append(c);
            }
            else
            {
                builder.Append(Escape).Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
            }
        }

        return builder.ToString();
    }

    public static string Decode(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (!name.Contains(Escape, StringComparison.Ordinal))
        {
            return name;
        }

        var builder = new StringBuilder(name.Length);
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (c != Escape)
            {
                builder.Append(c);
                continue;
            }

            if (i + 4 >= name.Length || !ushort.TryParse(name.AsSpan(i + 1, 4), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var code))
            {
                // Not one of ours: keep the name as written.
                return name;
            }

            builder.Append((char)code);
            i += 4;
        }

        return builder.ToString();
    }
}
