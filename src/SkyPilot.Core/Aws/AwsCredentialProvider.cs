using System;
using System.Collections.Generic;
using System.ComponentModel;
using System.Globalization;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using System.Xml.Linq;
using Newtonsoft.Json.Linq;
using SkyPilot.Core.Checks;
using SkyPilot.Core.Http;
using SkyPilot.Core.Internal;

namespace SkyPilot.Core.Aws
{
    /// <summary>
    /// Turns a credential source into keys when a call needs them, as botocore does: static keys as they are, roles
    /// through STS AssumeRole(WithWebIdentity), SSO through the portal's GetRoleCredentials with the cached login token,
    /// <c>credential_process</c> by running it. Nothing is kept between calls.
    /// </summary>
    internal sealed class AwsCredentialProvider
    {
        private static readonly TimeSpan ProcessTimeout = TimeSpan.FromSeconds(60);
        private readonly AwsApiClient _api;
        private readonly Func<DateTimeOffset> _clock;

        public AwsCredentialProvider(AwsApiClient api, Func<DateTimeOffset> clock)
        {
            _api = api;
            _clock = clock;
        }

        public async Task<AwsCredentials> GetAsync(AwsLocalState state, AwsCredentialSource source, CancellationToken cancellationToken)
        {
            switch (source.Kind)
            {
                case AwsCredentialKind.Environment:
                case AwsCredentialKind.SharedCredentialsFile:
                case AwsCredentialKind.ConfigFile:
                    if (source.SecretAccessKey is null)
                    {
                        throw new AwsCredentialException(CheckStatus.InvalidCredentials, "an access key id is set in " + source.Location + " but no secret access key", "aws configure" + ProfileFlag(source));
                    }

                    return new AwsCredentials(source.AccessKeyId!, source.SecretAccessKey, source.SessionToken);
                case AwsCredentialKind.AssumeRole:
                    var inner = await GetAsync(state, source.Source!, cancellationToken).ConfigureAwait(false);
                    return await AssumeRoleAsync(state, source, inner, cancellationToken).ConfigureAwait(false);
                case AwsCredentialKind.WebIdentity:
                    return await AssumeRoleAsync(state, source, null, cancellationToken).ConfigureAwait(false);
                case AwsCredentialKind.Sso:
                    return await SsoAsync(state, source, cancellationToken).ConfigureAwait(false);
                case AwsCredentialKind.Process:
                    return await ProcessAsync(source, cancellationToken).ConfigureAwait(false);
                case AwsCredentialKind.Container:
                    return await ContainerAsync(state, source, cancellationToken).ConfigureAwait(false);
                default:
                    throw new AwsCredentialException(CheckStatus.NoCredentials, "AWS credentials are not set", "aws configure");
            }
        }

        private async Task<AwsCredentials> AssumeRoleAsync(AwsLocalState state, AwsCredentialSource source, AwsCredentials? caller, CancellationToken cancellationToken)
        {
            var parameters = new List<KeyValuePair<string, string>>
            {
                new KeyValuePair<string, string>("RoleArn", source.RoleArn!),
                new KeyValuePair<string, string>("RoleSessionName", source.RoleSessionName ?? "skypilot-powershell-" + _clock().ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture)),
            };
            if (source.ExternalId != null)
            {
                parameters.Add(new KeyValuePair<string, string>("ExternalId", source.ExternalId));
            }

            if (caller is null)
            {
                parameters.Add(new KeyValuePair<string, string>("WebIdentityToken", source.WebIdentityToken ?? string.Empty));
            }

            var action = caller is null ? "AssumeRoleWithWebIdentity" : "AssumeRole";
            XElement answer;
            try
            {
                answer = await _api.QueryAsync(new AwsEndpoints(state, source.Profile).For("sts", state.Region), "sts", state.Region, caller, action, "2011-06-15", parameters, cancellationToken).ConfigureAwait(false);
            }
            catch (AwsApiException e) when (e.IsAccessDenied)
            {
                throw new AwsCredentialException(CheckStatus.MissingPermissions, "the role " + source.RoleArn + " could not be assumed (" + e.Code + ": " + e.ErrorMessage + ")",
                    "Allow sts:" + action + " on " + source.RoleArn + " for the source identity, and trust it in the role's trust policy", e);
            }

            return FromXml(answer) ?? throw new AwsCredentialException(CheckStatus.InvalidCredentials, "STS " + action + " answered without credentials", "Retry; check the STS endpoint");
        }

        private static AwsCredentials? FromXml(XElement answer)
        {
            var key = AwsApiClient.Child(answer, "AccessKeyId");
            var secret = AwsApiClient.Child(answer, "SecretAccessKey");
            return key is null || secret is null ? null : new AwsCredentials(key, secret, AwsApiClient.Child(answer, "SessionToken"), ParseTime(AwsApiClient.Child(answer, "Expiration")));
        }

        private async Task<AwsCredentials> SsoAsync(AwsLocalState state, AwsCredentialSource source, CancellationToken cancellationToken)
        {
            var login = "run: aws sso login --profile " + source.Profile;
            if (source.SsoAccessToken is null)
            {
                throw new AwsCredentialException(CheckStatus.NoCredentials, "no SSO login for profile " + source.Profile, login);
            }

            if (source.SsoExpiresAt is DateTimeOffset expires && expires <= _clock())
            {
                throw new AwsCredentialException(CheckStatus.CredentialsExpired, "the SSO session for profile " + source.Profile + " expired at " + expires.ToString("u", CultureInfo.InvariantCulture), login);
            }

            if (source.SsoAccountId is null || source.SsoRoleName is null || source.SsoRegion is null)
            {
                throw new AwsCredentialException(CheckStatus.ConfigurationError, "profile " + source.Profile + " lacks sso_account_id, sso_role_name or sso_region", "aws configure sso --profile " + source.Profile);
            }

            var endpoint = new AwsEndpoints(state, source.Profile).For("sso", source.SsoRegion);
            var uri = new Uri(endpoint, "/federation/credentials?account_id=" + SigV4Signer.Encode(source.SsoAccountId) + "&role_name=" + SigV4Signer.Encode(source.SsoRoleName));
            var result = await _api.GetAsync(uri, new Dictionary<string, string> { ["x-amz-sso_bearer_token"] = source.SsoAccessToken }, "sso:GetRoleCredentials", cancellationToken).ConfigureAwait(false);
            if (result.StatusCode == 401 || result.StatusCode == 403)
            {
                // The portal refuses a token that was revoked or expired early: only a new login helps.
                throw new AwsCredentialException(CheckStatus.CredentialsExpired, "the SSO session for profile " + source.Profile + " is no longer valid (the portal answered HTTP " + result.StatusCode + ")", login);
            }

            if (!result.IsSuccess)
            {
                throw new AwsCredentialException(CheckStatus.Unreachable, "the SSO portal answered HTTP " + result.StatusCode + " to GetRoleCredentials", "Retry; check sso_region and the network");
            }

            var role = AwsJson.Parse(result.Body)["roleCredentials"];
            var key = (string?)role?["accessKeyId"];
            var secret = (string?)role?["secretAccessKey"];
            if (key is null || secret is null)
            {
                throw new AwsCredentialException(CheckStatus.InvalidCredentials, "the SSO portal answered without role credentials", login);
            }

            var expiration = role?["expiration"]?.Type == JTokenType.Integer ? DateTimeOffset.FromUnixTimeMilliseconds((long)role["expiration"]!) : (DateTimeOffset?)null;
            return new AwsCredentials(key, secret, (string?)role?["sessionToken"], expiration);
        }

        private static async Task<AwsCredentials> ProcessAsync(AwsCredentialSource source, CancellationToken cancellationToken)
        {
            var words = SplitCommand(source.ProcessCommand!);
            var hint = "Fix credential_process of profile " + source.Profile + " in " + source.Location;
            ProcessRunner.Result result;
            try
            {
                result = await ProcessRunner.RunAsync(words[0], words.Skip(1), ProcessTimeout, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is Win32Exception || e is TimeoutException || e is InvalidOperationException)
            {
                throw new AwsCredentialException(CheckStatus.InvalidCredentials, "credential_process of profile " + source.Profile + " could not run: " + e.Message, hint, e);
            }

            if (result.ExitCode != 0)
            {
                throw new AwsCredentialException(CheckStatus.InvalidCredentials, "credential_process of profile " + source.Profile + " exited with code " + result.ExitCode + ": " + Redactor.Redact(result.Stderr.Trim()), hint);
            }

            try
            {
                var json = AwsJson.Parse(result.Stdout);
                var key = (string?)json["AccessKeyId"];
                var secret = (string?)json["SecretAccessKey"];
                if (key != null && secret != null)
                {
                    return new AwsCredentials(key, secret, (string?)json["SessionToken"], ParseTime((string?)json["Expiration"]));
                }
            }
            catch (Newtonsoft.Json.JsonException)
            {
            }

            throw new AwsCredentialException(CheckStatus.InvalidCredentials, "credential_process of profile " + source.Profile + " did not print JSON with AccessKeyId and SecretAccessKey", hint);
        }

        private async Task<AwsCredentials> ContainerAsync(AwsLocalState state, AwsCredentialSource source, CancellationToken cancellationToken)
        {
            var headers = new Dictionary<string, string>();
            var env = state.Environment;
            var token = env.Get("AWS_CONTAINER_AUTHORIZATION_TOKEN")
                ?? (env.Get("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE") is string file ? System.IO.File.ReadAllText(file).Trim() : null);
            if (token != null)
            {
                headers["Authorization"] = token;
            }

            var result = await _api.GetAsync(new Uri(source.ContainerUri!), headers, "container credentials", cancellationToken).ConfigureAwait(false);
            if (!result.IsSuccess)
            {
                throw new AwsCredentialException(CheckStatus.AuthenticationFailed, "the container credential endpoint answered HTTP " + result.StatusCode, "Check the task role of the container");
            }

            var json = AwsJson.Parse(result.Body);
            return new AwsCredentials((string)json["AccessKeyId"]!, (string)json["SecretAccessKey"]!, (string?)json["Token"], ParseTime((string?)json["Expiration"]));
        }

        private static DateTimeOffset? ParseTime(string? text) =>
            text != null && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at) ? at : (DateTimeOffset?)null;

        private static string ProfileFlag(AwsCredentialSource source) => source.Profile is null || source.Profile == "default" ? string.Empty : " --profile " + source.Profile;

        /// <summary>Splits a command line the way botocore does (<c>shlex.split</c>): whitespace, single and double quotes.</summary>
        internal static List<string> SplitCommand(string command)
        {
            var words = new List<string>();
            var current = new StringBuilder();
            var inWord = false;
            char? quote = null;
            for (var i = 0; i < command.Length; i++)
            {
                var c = command[i];
                if (quote != null)
                {
                    if (c == quote)
                    {
                        quote = null;
                    }
                    else if (c == '\\' && quote == '"' && i + 1 < command.Length && (command[i + 1] == '"' || command[i + 1] == '\\'))
                    {
                        current.Append(command[++i]);
                    }
                    else
                    {
                        current.Append(c);
                    }
                }
                else if (c == '\'' || c == '"')
                {
                    quote = c;
                    inWord = true;
                }
                else if (char.IsWhiteSpace(c))
                {
                    if (inWord)
                    {
                        words.Add(current.ToString());
                        current.Clear();
                        inWord = false;
                    }
                }
                else
                {
                    if (c == '\\' && i + 1 < command.Length)
                    {
                        c = command[++i];
                    }

                    current.Append(c);
                    inWord = true;
                }
            }

            if (inWord)
            {
                words.Add(current.ToString());
            }

            return words.Count == 0 ? new List<string> { command } : words;
        }
    }
}
