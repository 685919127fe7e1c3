using System;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Text;

namespace SkyPilot.Core.Api
{
    /// <summary>The SkyPilot user id: SkyPilot's own <c>~/.sky/user_hash</c> when present, else a stable hash of the user name.</summary>
    public static class SkyUser
    {
        /// <summary>The login name (USER on Unix, USERNAME on Windows), or <c>user</c>.</summary>
        public static string Name(SkyEnvironment env) => env.Get("USER") ?? env.Get("USERNAME") ?? "user";

        public static string Id(SkyEnvironment env)
        {
            try
            {
                var stored = File.ReadAllText(Path.Combine(env.HomeDirectory, ".sky", "user_hash")).Trim();
                if (stored.Length > 0)
                {
                    return stored;
                }
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
            }

            using (var sha = SHA256.Create())
            {
                var hash = sha.ComputeHash(Encoding.UTF8.GetBytes(Name(env)));
                return string.Concat(hash.Take(4).Select(b => b.ToString("x2")));
            }
        }
    }
}
