using Newtonsoft.Json.Linq;

namespace SkyPilot.Core.Api
{
    /// <summary>A finished API-server request (<c>GET /api/get</c>).</summary>
    public sealed class ApiRequestResult
    {
        public ApiRequestResult(string requestId, string? name, string? status, JToken? returnValue)
        {
            RequestId = requestId;
            Name = name;
            Status = status;
            ReturnValue = returnValue;
        }

        public string RequestId { get; }

        public string? Name { get; }

        public string? Status { get; }

        /// <summary>The decoded <c>return_value</c> (the server sends it as a JSON string).</summary>
        public JToken? ReturnValue { get; }
    }
}
