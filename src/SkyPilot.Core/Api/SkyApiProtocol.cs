namespace SkyPilot.Core.Api
{
    /// <summary>
    /// The SkyPilot API versions this module speaks, in one place. Servers refuse clients that announce less than their
    /// minimum (24 on 0.13 and on the newest code seen), and this module implements the semantics measured against a
    /// 0.13.0rc1 server (API 52): job ids as lists, <c>/jobs/queue/v2</c> pages, cancel outcomes in the request log.
    /// </summary>
    public static class SkyApiProtocol
    {
        /// <summary>Sent as <c>X-SkyPilot-API-Version</c>: the API version whose semantics this client implements.</summary>
        public const int ApiVersion = 52;

        /// <summary>Sent as <c>X-SkyPilot-Version</c> (servers echo their own versions only when both headers are sent).</summary>
        public const string ClientVersion = "0.13.0+skypilot.powershell";

        /// <summary>The oldest server API version this module supports (the minimum current servers require of clients).</summary>
        public const int MinServerApiVersion = 24;

        /// <summary>The newest server API version this module was checked against.</summary>
        public const int MaxServerApiVersion = 55;

        public const string ApiVersionHeader = "X-SkyPilot-API-Version";

        public const string VersionHeader = "X-SkyPilot-Version";

        /// <summary>The request id header of asynchronous routes (newer servers first, v0.8's second).</summary>
        public static readonly string[] RequestIdHeaders = { "X-Skypilot-Request-ID", "X-Request-ID" };

        /// <summary>The supported range, for messages.</summary>
        public static string SupportedRange => "API versions " + MinServerApiVersion + " to " + MaxServerApiVersion;

        public static bool IsSupported(int serverApiVersion) => serverApiVersion >= MinServerApiVersion && serverApiVersion <= MaxServerApiVersion;
    }
}
