using System;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Grpc.Core;
using SkyPilot.Core.Grpc;
using SkyPilot.Core.Nebius.Wire;

namespace SkyPilot.Core.Nebius
{
    /// <summary>The three Nebius IAM calls the module makes, through the clients generated from <c>Protos/nebius_iam.proto</c>.</summary>
    internal sealed class NebiusIamClient
    {
        private readonly ProjectService.ProjectServiceClient _projects;
        private readonly ProfileService.ProfileServiceClient _profiles;
        private readonly TokenExchangeService.TokenExchangeServiceClient _tokens;

        public NebiusIamClient(IGrpcCaller caller, NebiusEndpoints endpoints, TimeSpan timeout)
        {
            var iam = caller.Invoker(endpoints.Iam, timeout);
            _projects = new ProjectService.ProjectServiceClient(iam);
            _profiles = new ProfileService.ProfileServiceClient(iam);
            _tokens = new TokenExchangeService.TokenExchangeServiceClient(caller.Invoker(endpoints.Tokens, timeout));
        }

        /// <summary>SkyPilot's compute check: listing the tenant's projects proves the token works for the tenant.</summary>
        public async Task<int> ListProjectsAsync(string token, string tenantId, CancellationToken cancellationToken)
        {
            var response = await _projects.ListAsync(new ListProjectsRequest { ParentId = tenantId, PageSize = 100 }, Bearer(token), cancellationToken: cancellationToken).ResponseAsync.ConfigureAwait(false);
            return response.Items.Count;
        }

        public async Task<NebiusProfile> GetProfileAsync(string token, CancellationToken cancellationToken)
        {
            var response = await _profiles.GetAsync(new GetProfileRequest(), Bearer(token), cancellationToken: cancellationToken).ResponseAsync.ConfigureAwait(false);
            switch (response.ProfileCase)
            {
                case GetProfileResponse.ProfileOneofCase.UserProfile:
                    var user = response.UserProfile;
                    var email = user.Attributes?.HasEmail == true ? user.Attributes.Email : null;
                    return new NebiusProfile("user", string.IsNullOrEmpty(email) ? NullIfEmpty(user.Id) : email, user.Tenants.Select(t => t.TenantId).ToList());
                case GetProfileResponse.ProfileOneofCase.ServiceAccountProfile:
                    var metadata = response.ServiceAccountProfile.Info?.Metadata;
                    return new NebiusProfile("service_account", NullIfEmpty(metadata?.Name) ?? NullIfEmpty(metadata?.Id), metadata?.ParentId is { Length: > 0 } parent ? new[] { parent } : Array.Empty<string>());
                default:
                    return new NebiusProfile("anonymous", null, Array.Empty<string>());
            }
        }

        /// <summary>Exchanges a self-signed service-account JWT for an access token (RFC 8693).</summary>
        public async Task<(string AccessToken, TimeSpan ExpiresIn)> ExchangeAsync(string signedJwt, CancellationToken cancellationToken)
        {
            var request = new ExchangeTokenRequest
            {
                GrantType = "urn:ietf:params:oauth:grant-type:token-exchange",
                RequestedTokenType = "urn:ietf:params:oauth:token-type:access_token",
                SubjectToken = signedJwt,
                SubjectTokenType = "urn:ietf:params:oauth:token-type:jwt",
            };
            var response = await _tokens.ExchangeAsync(request, cancellationToken: cancellationToken).ResponseAsync.ConfigureAwait(false);
            if (string.IsNullOrEmpty(response.AccessToken))
            {
                throw new GrpcCallException(TokenExchangeService.Descriptor.FullName + "/Exchange", GrpcStatusCode.Internal, "the exchange returned no access token");
            }

            return (response.AccessToken, TimeSpan.FromSeconds(response.ExpiresIn > 0 ? response.ExpiresIn : 3600));
        }

        private static Metadata Bearer(string token) => new Metadata { { "authorization", "Bearer " + token } };

        private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;
    }
}
