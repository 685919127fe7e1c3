using System;
using System.IO;
using System.Text;
using SkyPilot.Core.Internal;

namespace SkyPilot.Core.Gcp
{
    /// <summary>
    /// gcloud's active configuration as gcloud itself would resolve it: config directory, active configuration name,
    /// and the <c>[core]</c> account and project with their environment overrides.
    /// </summary>
    internal sealed class GcloudConfiguration
    {
        public string ConfigDirectory { get; private set; } = string.Empty;

        public string Name { get; private set; } = "default";

        public string FilePath { get; private set; } = string.Empty;

        public byte[]? FileContent { get; private set; }

        public IniFile Properties { get; private set; } = IniFile.Empty;

        /// <summary>Set when a configuration file exists but cannot be read.</summary>
        public string? ReadError { get; private set; }

        /// <summary>Set when the configuration file is in an encoding gcloud refuses (a UTF-8 byte order mark, UTF-16).</summary>
        public string? Warning { get; private set; }

        public string? Account { get; private set; }

        public string? AccountSource { get; private set; }

        public string? Project { get; private set; }

        public string? ProjectSource { get; private set; }

        public static string DefaultConfigDirectory(SkyEnvironment env)
        {
            var overridden = env.Get("CLOUDSDK_CONFIG");
            if (overridden != null)
            {
                return env.ExpandHome(overridden);
            }

            if (env.IsWindows)
            {
                var appData = env.Get("APPDATA") ?? Path.Combine(env.HomeDirectory, "AppData", "Roaming");
                return Path.Combine(appData, "gcloud");
            }

            return Path.Combine(env.HomeDirectory, ".config", "gcloud");
        }

        public static GcloudConfiguration Load(SkyEnvironment env)
        {
            var config = new GcloudConfiguration { ConfigDirectory = DefaultConfigDirectory(env) };
            config.Name = env.Get("CLOUDSDK_ACTIVE_CONFIG_NAME") ?? config.ReadActiveConfigName() ?? "default";
            config.FilePath = Path.Combine(config.ConfigDirectory, "configurations", "config_" + config.Name);
            config.LoadProperties();

            config.Account = env.Get("CLOUDSDK_CORE_ACCOUNT");
            config.AccountSource = config.Account is null ? null : "CLOUDSDK_CORE_ACCOUNT";
            if (config.Account is null && (config.Account = config.Properties.Get("core", "account")) != null)
            {
                config.AccountSource = "gcloud configuration '" + config.Name + "'";
            }

            config.Project = env.Get("CLOUDSDK_CORE_PROJECT");
            config.ProjectSource = config.Project is null ? null : "CLOUDSDK_CORE_PROJECT";
            if (config.Project is null && (config.Project = config.Properties.Get("core", "project")) != null)
            {
                config.ProjectSource = "gcloud configuration '" + config.Name + "'";
            }

            return config;
        }

        private string? ReadActiveConfigName()
        {
            try
            {
                var name = File.ReadAllText(Path.Combine(ConfigDirectory, "active_config")).Trim();
                return name.Length == 0 ? null : name;
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                return null;
            }
        }

        private void LoadProperties()
        {
            try
            {
                FileContent = SmallFile.TryRead(FilePath);
                if (FileContent is null)
                {
                    return;
                }

                if (ForeignEncoding(FileContent) is string encoding)
                {
                    // gcloud itself refuses such a file; reading it anyway would make our identity differ from gcloud's.
                    Warning = "gcloud configuration '" + Name + "' (" + FilePath + ") is saved as " + encoding + ", which gcloud cannot read; "
                        + "its account and project are ignored. Save it as UTF-8 without a byte order mark, or recreate it with 'gcloud config set'.";
                    return;
                }

                Properties = IniFile.Parse(Encoding.UTF8.GetString(FileContent));
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                ReadError = "cannot read gcloud configuration '" + Name + "' (" + FilePath + "): " + e.Message;
            }
        }

        private static string? ForeignEncoding(byte[] content)
        {
            if (content.Length >= 3 && content[0] == 0xEF && content[1] == 0xBB && content[2] == 0xBF)
            {
                return "UTF-8 with a byte order mark";
            }

            if (content.Length >= 2 && ((content[0] == 0xFF && content[1] == 0xFE) || (content[0] == 0xFE && content[1] == 0xFF)))
            {
                return "UTF-16";
            }

            // UTF-16 without a byte order mark: every other byte of ASCII text is zero.
            return content.Length >= 4 && (content[0] == 0 || content[1] == 0) && (content[2] == 0 || content[3] == 0) ? "UTF-16" : null;
        }
    }
}
