using System;
using System.IO;
using SkyPilot.Core.Gcp;

namespace SkyPilot.Core.Nebius
{
    /// <summary>
    /// SkyPilot's Nebius storage check: object storage is S3-compatible, so it needs a <c>nebius</c> profile in
    /// <c>~/.aws/credentials</c> and <c>[profile nebius]</c> in <c>~/.aws/config</c>.
    /// </summary>
    internal static class NebiusStorageCheck
    {
        public const string Hint = "aws configure --profile nebius (with a Nebius object-storage access key; see https://docs.nebius.com/object-storage/interfaces/aws-cli)";

        /// <summary>Null when both profiles exist; otherwise what is missing.</summary>
        /// <summary>The AWS CLI's credentials and config files, as it finds them.</summary>
        public static (string CredentialsPath, string ConfigPath) Paths(SkyEnvironment env)
        {
            var aws = Path.Combine(env.HomeDirectory, ".aws");
            return (
                env.Get("AWS_SHARED_CREDENTIALS_FILE") is string c ? env.ExpandHome(c) : Path.Combine(aws, "credentials"),
                env.Get("AWS_CONFIG_FILE") is string f ? env.ExpandHome(f) : Path.Combine(aws, "config"));
        }

        public static string? FindProblem(SkyEnvironment env)
        {
            var (credentialsPath, configPath) = Paths(env);
            var credentials = Load(credentialsPath);
            if (credentials.Error != null)
            {
                return credentials.Error;
            }

            if (credentials.Ini?.Get("nebius", "aws_access_key_id") is null)
            {
                return "no [nebius] profile with aws_access_key_id in " + credentialsPath;
            }

            var config = Load(configPath);
            if (config.Error != null)
            {
                return config.Error;
            }

            return config.Ini is null || !config.Ini.HasSection("profile nebius")
                ? "no [profile nebius] section in " + configPath
                : null;
        }

        private static (IniFile? Ini, string? Error) Load(string path)
        {
            try
            {
                var bytes = Internal.SmallFile.TryRead(path);
                return bytes is null ? (null, null) : (IniFile.Parse(System.Text.Encoding.UTF8.GetString(bytes)), null);
            }
            catch (Exception e) when (e is FileNotFoundException || e is DirectoryNotFoundException)
            {
                return (null, null);
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                return (null, "cannot read " + path + ": " + e.Message);
            }
        }
    }
}
