using System;
using System.Collections.Concurrent;
using System.Threading;
using System.Threading.Tasks;

namespace SkyPilot.Core.Nebius
{
    /// <summary>
    /// The access token for a check: the token file's (or <c>NEBIUS_IAM_TOKEN</c>'s) as read just now, or one exchanged
    /// for the service-account key. An exchanged token is reused only while the key file is unchanged (keyed by its
    /// content digest) and until shortly before it expires; then a new one is exchanged.
    /// </summary>
    internal sealed class NebiusTokenProvider
    {
        private static readonly ConcurrentDictionary<string, (string Token, DateTimeOffset RenewAt)> Exchanged =
            new ConcurrentDictionary<string, (string, DateTimeOffset)>(StringComparer.Ordinal);

        private readonly Func<DateTimeOffset> _clock;

        public NebiusTokenProvider(Func<DateTimeOffset> clock)
        {
            _clock = clock;
        }

        public async Task<string> GetTokenAsync(NebiusLocalState state, string? keyDigest, NebiusIamClient client, CancellationToken cancellationToken)
        {
            if (state.Token != null)
            {
                return state.Token;
            }

            var key = state.Key ?? throw new InvalidOperationException("no Nebius credential to get a token from");
            var now = _clock();
            var cacheKey = keyDigest ?? string.Empty;
            if (Exchanged.TryGetValue(cacheKey, out var cached) && now < cached.RenewAt)
            {
                return cached.Token;
            }

            var (token, expiresIn) = await client.ExchangeAsync(NebiusJwtSigner.Sign(key, now), cancellationToken).ConfigureAwait(false);
            Exchanged[cacheKey] = (token, now + expiresIn - RenewalMargin(expiresIn));
            return token;
        }

        /// <summary>Renew a tenth of the lifetime early, between 30 seconds and 5 minutes before expiry.</summary>
        internal static TimeSpan RenewalMargin(TimeSpan lifetime)
        {
            var tenth = TimeSpan.FromTicks(lifetime.Ticks / 10);
            return tenth < TimeSpan.FromSeconds(30) ? TimeSpan.FromSeconds(30) : tenth > TimeSpan.FromMinutes(5) ? TimeSpan.FromMinutes(5) : tenth;
        }
    }
}
