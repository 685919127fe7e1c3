using System.Text;
using System.Text.RegularExpressions;

namespace SkyPilot.PowerShell.Infrastructure
{
    /// <summary>PowerShell wildcard matching (<c>*</c>, <c>?</c>, <c>[abc]</c>, <c>`</c> escapes), case-insensitive.</summary>
    internal static class Wildcard
    {
        public static Regex ToRegex(string pattern)
        {
            var builder = new StringBuilder("^");
            for (var i = 0; i < pattern.Length; i++)
            {
                var c = pattern[i];
                switch (c)
                {
                    case '*':
                        builder.Append(".*");
                        break;
                    case '?':
                        builder.Append('.');
                        break;
                    case '`' when i + 1 < pattern.Length:
                        builder.Append(Regex.Escape(pattern[++i].ToString()));
                        break;
                    case '[':
                        var end = pattern.IndexOf(']', i + 1);
                        if (end > i + 1)
                        {
                            builder.Append('[').Append(pattern.Substring(i + 1, end - i - 1).Replace("\\", "\\\\")).Append(']');
                            i = end;
                        }
                        else
                        {
                            builder.Append("\\[");
                        }

                        break;
                    default:
                        builder.Append(Regex.Escape(c.ToString()));
                        break;
                }
            }

            return new Regex(builder.Append('$').ToString(), RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);
        }
    }
}
