using System.Text.RegularExpressions;

namespace SkyPilot.Core.Http
{
    /// <summary>Removes credentials from text bound for logs, errors and output.</summary>
    public static class Redactor
    {
        private static readonly Regex[] Patterns =
        {
            new Regex(@"(?i)(authorization\s*[:=]\s*)(bearer|basic)?\s*[^\s,;""']+", RegexOptions.Compiled),
            new Regex(@"(?i)((access_token|refresh_token|id_token|assertion|client_secret|private_key|token)\s*[""']?\s*[:=]\s*[""']?)[^\s&,;""']+", RegexOptions.Compiled),
            new Regex(@"ya29\.[A-Za-z0-9_\-\.]+", RegexOptions.Compiled),
            new Regex(@"\beyJ[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]*", RegexOptions.Compiled),
            new Regex(@"\bsky_[A-Za-z0-9_\-]{8,}", RegexOptions.Compiled),
            new Regex(@"-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----", RegexOptions.Compiled),
            new Regex(@"(://[^/\s:@]+:)[^@\s/]+(?=@)", RegexOptions.Compiled),
            new Regex(@"(?i)(upload_id=)[^&\s]+", RegexOptions.Compiled),
        };

        public static string Redact(string? text)
        {
            if (string.IsNullOrEmpty(text))
            {
                return text ?? string.Empty;
            }

            var result = text!;
            foreach (var pattern in Patterns)
            {
                result = pattern.Replace(result, m => m.Groups.Count > 1 && m.Groups[1].Success ? m.Groups[1].Value + "[redacted]" : "[redacted]");
            }

            return result;
        }
    }
}
