using System.Collections.Generic;

namespace SkyPilot.Core.Http
{
    /// <summary>A completed HTTP exchange with its body read.</summary>
    public sealed class HttpCallResult
    {
        public HttpCallResult(int statusCode, string body, IReadOnlyDictionary<string, string> headers)
        {
            StatusCode = statusCode;
            Body = body;
            Headers = headers;
        }

        public int StatusCode { get; }

        public string Body { get; }

        /// <summary>Response and content headers, names lower-cased, values joined with commas.</summary>
        public IReadOnlyDictionary<string, string> Headers { get; }

        public bool IsSuccess => StatusCode >= 200 && StatusCode < 300;

        public string? Header(string name) => Headers.TryGetValue(name.ToLowerInvariant(), out var value) ? value : null;
    }
}
