using System.Text.RegularExpressions;

namespace SkyPilot.Core.Api
{
    /// <summary>The server's text carries ANSI escape sequences (colours, cursor moves) meant for a terminal.</summary>
    public static class AnsiText
    {
        private static readonly Regex Escapes = new Regex(@"\x1B(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1B]*(?:\x07|\x1B\\)|[@-Z\\-_])", RegexOptions.Compiled);

        /// <summary>The text without escape sequences; null stays null.</summary>
        public static string? Strip(string? text) => text is null || text.IndexOf('\x1B') < 0 ? text : Escapes.Replace(text, string.Empty);
    }
}
